public import Enpire
public import EnpireSim
import Foundation
import Synchronization

/// Scores a learned Push-T policy through simulated stations, on explicit seeds.
///
/// Every worker composes its own station: in camera mode with a 640x480 top camera with realistic pose, lighting
/// and sensor noise (a different camera per worker, calibrated from its own frame of the goal marking; seed `i` of
/// the list always runs on worker `i mod workers`, so a run repeats exactly for the same worker count), so the
/// policy reads only that camera and the pusher's state (the camera is triggered by the policy's frame request,
/// so frames are taken at decision points only); in state mode without cameras (the policy reads the
/// simulator's exact state: privileged). Success is gym-pusht's rule on the simulator's state (coverage above 0.95
/// within 300 steps); the highest coverage of each episode is read from the simulator too (ground truth).
public enum PushTPolicyEvaluation {
    /// What an evaluation measured.
    public struct Summary: Sendable, Codable, Equatable {
        /// Policy name.
        public var policy: String
        /// What the policy read.
        public var observe: ObservationMode
        /// Whether the result is privileged (state observations, or a planner with the simulator as its model).
        public var privileged: Bool
        /// First seed.
        public var firstSeed: UInt64
        /// Episodes run.
        public var episodes: Int
        /// Successful episodes.
        public var successes: Int
        /// Wilson 95 % interval of the success rate.
        public var wilsonLow: Double
        /// Upper end of the interval.
        public var wilsonHigh: Double
        /// Mean of each episode's highest coverage.
        public var meanMaximumCoverage: Double
        /// Mean control steps of successful episodes.
        public var meanStepsToSuccess: Double
        /// Simulated robot seconds.
        public var robotSeconds: Double
        /// Wall seconds.
        public var wallSeconds: Double
        /// Failed seeds.
        public var failedSeeds: [UInt64]
        /// The reality the stations lived in (nil: clean gym-pusht).
        public var reality: String?
        /// Episodes the station ended early on a fault (for a camera policy, typically a first frame that shows
        /// too little of the block); they count as failures. nil in summaries written before it was counted.
        public var abortedEpisodes: Int?
        /// The first such episode's seed and reason.
        public var firstAbort: String?
    }

    /// Runs the learned policy for one episode per seed from `firstSeed` on `workers` stations (in `reality`, when
    /// given: every episode's departures from gym-pusht drawn from it with the seed).
    public static func evaluate(model: PushTPrimitiveModel, mode: ObservationMode, firstSeed: UInt64, episodes: Int,
                                workers: Int = 2, cameraSeed: UInt64 = 77, reality: PushTReality? = nil,
                                registersEachEpisode: Bool = false, waitsForArrival: Bool = false,
                                holdsWhenCovered: Double? = nil, movesAsideWhenHidden: Bool = false,
                                progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        try await evaluate(model: model, mode: mode, seeds: try seedRange(from: firstSeed, count: episodes),
                           workers: workers, cameraSeed: cameraSeed, reality: reality,
                           registersEachEpisode: registersEachEpisode, waitsForArrival: waitsForArrival,
                           holdsWhenCovered: holdsWhenCovered, movesAsideWhenHidden: movesAsideWhenHidden,
                           progress: progress)
    }

    /// Runs the learned policy for one episode per seed of `seeds`.
    public static func evaluate(model: PushTPrimitiveModel, mode: ObservationMode, seeds: [UInt64], workers: Int = 2,
                                cameraSeed: UInt64 = 77, reality: PushTReality? = nil, registersEachEpisode: Bool = false,
                                waitsForArrival: Bool = false, holdsWhenCovered: Double? = nil,
                                movesAsideWhenHidden: Bool = false,
                                progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        let name = try PushTPrimitivePolicy(model: model, mode: .state).name.replacingOccurrences(
            of: "/state", with: "/\(mode.rawValue)")
        return try await evaluate(policyName: name, mode: mode, seeds: seeds, workers: workers, cameraSeed: cameraSeed,
                                  reality: reality, progress: progress) { observer, request in
            var policy = try PushTPrimitivePolicy(model: model, mode: mode, observer: observer)
            policy.frameRequest = request
            policy.registersEachEpisode = registersEachEpisode
            policy.waitsForArrival = waitsForArrival
            policy.holdsWhenCovered = holdsWhenCovered
            policy.movesAsideWhenHidden = movesAsideWhenHidden
            return policy
        }
    }

    /// Runs the planner (the heuristic expert with `parameters`) reading the block from the camera or from the
    /// simulator. Either way it plans with the simulator as its model: an oracle, privileged.
    public static func evaluatePlanner(parameters: PushTPlannerParameters, mode: ObservationMode, firstSeed: UInt64,
                                       episodes: Int, workers: Int = 2, cameraSeed: UInt64 = 77, reality: PushTReality? = nil,
                                       progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws
        -> Summary {
        var summary = try await evaluate(policyName: "pusht-planner-oracle/\(mode.rawValue)", mode: mode,
                                         firstSeed: firstSeed, episodes: episodes, workers: workers,
                                         cameraSeed: cameraSeed, reality: reality, progress: progress) { observer, request in
            var policy = try PushTObservingExpert(parameters: parameters, mode: mode, observer: observer)
            policy.frameRequest = request
            return policy
        }
        summary.privileged = true
        return summary
    }

    /// Runs the policy `makePolicy` builds (given the lane's camera observer in camera mode and its frame request)
    /// for one episode per seed from `firstSeed` on `workers` stations.
    public static func evaluate(policyName: String, mode: ObservationMode, firstSeed: UInt64, episodes: Int,
                                workers: Int = 2, cameraSeed: UInt64 = 77, reality: PushTReality? = nil,
                                progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                                makePolicy: (PushTCameraObserver?, PushTFrameRequest) throws -> any Policy)
        async throws -> Summary {
        try await evaluate(policyName: policyName, mode: mode, seeds: try seedRange(from: firstSeed, count: episodes),
                           workers: workers, cameraSeed: cameraSeed, reality: reality, progress: progress, makePolicy: makePolicy)
    }

    /// `count` consecutive seeds from `first`, refusing a count out of 1...1,000,000 or an overflowing range.
    static func seedRange(from first: UInt64, count: Int) throws -> [UInt64] {
        guard (1...1_000_000).contains(count) else {
            throw PushTLearningError.invalidSetting("episodes must be in 1...1000000, got \(count)")
        }
        guard first <= UInt64.max - UInt64(count) else {
            throw PushTLearningError.invalidSetting("first seed \(first) + \(count) episodes overflows")
        }
        return (0..<UInt64(count)).map { first + $0 }
    }

    /// Runs the policy `makePolicy` builds for one episode per seed of `seeds` on `workers` stations.
    public static func evaluate(policyName: String, mode: ObservationMode, seeds: [UInt64], workers: Int = 2,
                                cameraSeed: UInt64 = 77, reality: PushTReality? = nil, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                                makePolicy: (PushTCameraObserver?, PushTFrameRequest) throws -> any Policy)
        async throws -> Summary {
        let episodes = seeds.count
        guard (1...1_000_000).contains(episodes) else {
            throw PushTLearningError.invalidSetting("episodes must be in 1...1000000, got \(episodes)")
        }
        let firstSeed = seeds[0]
        let start = ContinuousClock.now
        let lanes = max(1, min(workers, episodes, 64))
        let counters = Counters()
        let outcomes = try await withThrowingTaskGroup(of: [(UInt64, Bool, Int, Double, String?)].self) { group in
            for lane in 0..<lanes {
                let noise = CameraNoise.realistic(seed: cameraSeed &+ UInt64(lane) &* 1_000_003)
                let request = PushTFrameRequest()
                let station = try PushTSimulatedStation(
                    name: "learned-eval-\(lane)",
                    cameraResolutions: mode == .camera ? [ImageSize(width: 640, height: 480)] : [],
                    cameraNoise: mode == .camera ? noise : .none, cameraTrigger: { request.isRaised }, reality: reality)
                let observer = mode == .camera ? try PushTCameraObserver.simulated(cameraName: "top", noise: noise) : nil
                let policy = try makePolicy(observer, request)
                group.addTask {
                    var results: [(UInt64, Bool, Int, Double, String?)] = []
                    // Fixed striping, not work stealing: each lane's camera draws its sensor noise from a frame
                    // counter that runs over its episodes, so a lane must get the same seeds in the same order
                    // every run for the figures to repeat.
                    for index in stride(from: lane, to: episodes, by: lanes) {
                        let seed = seeds[index]
                        let episode = try await station.runEpisode(policy: policy, seed: seed)
                        let coverage = await highestCoverage(of: episode, on: station)
                        let abort = episode.summary.status == .aborted ? episode.summary.reason ?? "aborted" : nil
                        results.append((seed, episode.summary.verdict?.success ?? false, episode.steps.count, coverage,
                                        abort))
                        progress(counters.finish(), episodes)
                    }
                    return results
                }
            }
            var all: [(UInt64, Bool, Int, Double, String?)] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }
        }
        let successes = outcomes.filter(\.1)
        let interval = try WilsonInterval(successes: successes.count, trials: outcomes.count)
        return Summary(
            policy: policyName, observe: mode, privileged: mode.isPrivileged, firstSeed: firstSeed, episodes: outcomes.count,
            successes: successes.count, wilsonLow: interval.lower, wilsonHigh: interval.upper,
            meanMaximumCoverage: outcomes.reduce(0) { $0 + $1.3 } / Double(outcomes.count),
            meanStepsToSuccess: successes.isEmpty ? 0 : Double(successes.reduce(0) { $0 + $1.2 }) / Double(successes.count),
            robotSeconds: Double(outcomes.reduce(0) { $0 + $1.2 }) / PushTGeometry.controlRateHz,
            wallSeconds: (ContinuousClock.now - start).inSeconds,
            failedSeeds: outcomes.filter { !$0.1 }.map(\.0),
            reality: reality.flatMap { $0.isClean ? nil : $0.name },
            abortedEpisodes: outcomes.filter { $0.4 != nil }.count,
            firstAbort: outcomes.first { $0.4 != nil }.map { "seed \($0.0): \($0.4 ?? "")" })
    }

    /// The highest goal coverage `episode` reached on `station` (ground truth): its steps record what was observed
    /// before each action, and the state after the last action is the world's now.
    static func highestCoverage(of episode: RecordedEpisode, on station: PushTSimulatedStation) async -> Double {
        let final = await station.world.coverage
        return max(final, episode.steps.compactMap { $0.features[PushTFeatures.coverage]?.first }.max() ?? 0)
    }

    /// Episodes finished so far, shared by the evaluation lanes for progress.
    final class Counters: Sendable {
        private let finished = Mutex<Int>(0)

        func finish() -> Int { finished.withLock { value in value += 1; return value } }
    }
}
