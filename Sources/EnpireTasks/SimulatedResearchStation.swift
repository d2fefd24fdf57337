import Enpire
import EnpireResearch

/// A simulated station as research sees it: episodes judged by the station's own reward, success counted by the
/// simulator's ground truth read after each episode (`nil` from `groundTruth`: the station's verdict is the ground
/// truth).
struct SimulatedResearchStation: ResearchStation {
    let station: Station
    let episodeLimit: Int
    let groundTruth: @Sendable () async -> Bool?

    var liveStation: Station? { station }

    func runEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome {
        let episode = try await station.runEpisode(policy: policy, seed: seed, maxSteps: episodeLimit,
                                                   tags: ["split": split])
        var outcome = EpisodeOutcome(episode: episode)
        if let truth = await groundTruth() { outcome.success = truth }
        return outcome
    }
}
