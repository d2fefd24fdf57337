import Enpire
public import EnpireReward
import Dispatch
import Foundation
import Synchronization

extension PushTRewardStudy {
    /// One episode of the camera-ended study run to its full step budget, never stopped by the camera: what the
    /// camera estimated and what the simulator measured after every step.
    ///
    /// The study's policies never look at the reward, so a trajectory does not depend on when a verdict rule
    /// would have ended it: any stopping rule can be replayed exactly on a trace (this is how the live rule's
    /// parameters are tuned without re-running the simulator per candidate).
    public struct EpisodeTrace: Sendable, Codable {
        /// Episode index (with the seed it reproduces the episode).
        public var episode: Int
        /// Policy of the episode.
        public var policy: String
        /// The camera's estimated coverage of each step's live frame (decoded pixels); nil when unmeasurable.
        public var estimate: [Double?]
        /// The simulator's coverage after each step.
        public var coverage: [Double]
        /// The estimate from the same frame stored as JPEG quality 90, for steps whose live estimate is above the
        /// trace's `storedAbove` and for the last step; nil elsewhere.
        public var stored: [Double?]
    }

    /// Runs `episodes` episodes of ``runEpisodes(_:seed:model:expertTarget:workers:progress:)`` (same seed, same
    /// episodes) to their full budgets and records every step's estimates and coverage (rounded to 1e-5).
    ///
    /// - Throws: when a camera cannot be calibrated or the simulation fails.
    public func traceEpisodes(_ episodes: Int, seed: UInt64, model: PushTRewardModel, expertTarget: Double = 0.97,
                              storedAbove: Double = 0.9, workers: Int = 2,
                              progress: @Sendable (Int) -> Void = { _ in }) throws -> [EpisodeTrace] {
        let reward = PushTCameraReward(model: model)
        let traces = Mutex<[EpisodeTrace]>([])
        let failure = Mutex<String?>(nil)
        let next = Atomic<Int>(0)
        let resolution = frames.resolution
        @Sendable func rounded(_ value: Double) -> Double { (value * 100_000).rounded() / 100_000 }
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, episodes))) { _ in
            do {
                let codec = try JPEGCodec()
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < episodes, failure.withLock({ $0 == nil }) else { return }
                    var episode = try PushTStudyEpisode(index: index, seed: seed, reward: reward,
                                                        resolution: resolution, expertTarget: expertTarget)
                    var trace = EpisodeTrace(episode: index, policy: episode.policy, estimate: [], coverage: [],
                                             stored: [])
                    for step in 0..<episode.budget {
                        try episode.advance(step: step)
                        let estimate = try? reward.features(of: episode.frame, calibration: episode.calibration)
                            .estimatedCoverage
                        var stored: Double?
                        if step == episode.budget - 1 || (estimate ?? 0) > storedAbove {
                            let jpeg = try codec.encode(episode.image, quality: 90)
                            stored = try? reward.features(of: Frame(cameraName: "top", timestampSeconds: 0, jpeg: jpeg),
                                                          calibration: episode.calibration).estimatedCoverage
                        }
                        trace.estimate.append(estimate.map(rounded))
                        trace.coverage.append(rounded(episode.coverage))
                        trace.stored.append(stored.map(rounded))
                    }
                    traces.withLock {
                        $0.append(trace)
                        progress($0.count)
                    }
                }
            } catch {
                failure.withLock { $0 = $0 ?? "\(error)" }
            }
        }
        if let error = failure.withLock({ $0 }) {
            throw RewardError.badCalibration("an episode could not be traced: \(error)")
        }
        return traces.withLock { $0 }.sorted { $0.episode < $1.episode }
    }
}
