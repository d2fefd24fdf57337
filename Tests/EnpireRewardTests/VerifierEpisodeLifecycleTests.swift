import Enpire
import EnpireReward
import EnpireSim
import Testing

/// Verifiers that keep per-episode state (the pin's low-force streak, the zip-tie's force at jaw closure) reset
/// it at `beginEpisode`, whatever the step numbering: reused for a second episode, they carry nothing over.
@Suite struct VerifierEpisodeLifecycleTests {
    private func metadata(_ id: String, arms: Int) -> EpisodeMetadata {
        let arm = ArmSpecification(name: "arm", axisNames: ["x", "y", "a"], lowerLimits: [-1, -1, -1],
                                   upperLimits: [1, 1, 1], controlRateHz: 20)
        return EpisodeMetadata(id: id, task: "test", station: "s", policy: "p", startedAtUnixSeconds: 0,
                               arms: Array(repeating: arm, count: arms), cameras: [])
    }

    /// Step numbers continue across the two episodes (a caller that numbers steps globally): the old
    /// step-index guess kept the first episode's streak; the lifecycle starts it again.
    @Test func pinStreakDoesNotCarryIntoTheNextEpisode() async throws {
        let sample = try PinInsertionLabelledEpisodes(steps: 70, mix: [.nominal: 1]).sample(seed: 7)
        let verifier = PinInsertionCameraVerifier()
        let arm = RobotState(position: sample.handPose, velocity: [0, 0, 0], force: [0, 0])
        func step(_ index: Int) async throws -> Verdict {
            try await verifier.evaluate(EpisodeContext(
                observation: Observation(stepIndex: index, elapsedSeconds: 0, arms: [arm],
                                         frames: ["side": sample.frame]), isFinal: false))
        }
        await verifier.beginEpisode(metadata("a", arms: 1), firstObservation: nil)
        var last: Verdict?
        for index in 1...5 { last = try await step(index) }
        #expect(last?.success == true, "five low-force steps settle the pin")
        await verifier.endEpisode(EpisodeSummary(metadata: metadata("a", arms: 1), status: .complete, stepCount: 5,
                                                 durationSeconds: 0.25, verdict: last))
        await verifier.beginEpisode(metadata("b", arms: 1), firstObservation: nil)
        let next = try await step(6)
        #expect(!next.success)
        #expect(next.votes.first { $0.source == "force" }?.success == false)
        #expect(next.detail?.contains("low-force streak 1") == true)
    }

    @Test func zipTieClosureDoesNotCarryIntoTheNextEpisode() async throws {
        let verifier = ZipTieCameraVerifier()
        func step(_ index: Int, force: Double, jaws: Double) async throws -> Verdict {
            let left = RobotState(position: [0, 0], velocity: [0, 0], force: [force])
            let cutter = RobotState(position: [0, 0, 0], velocity: [0, 0, 0], gripper: jaws)
            return try await verifier.evaluate(EpisodeContext(
                observation: Observation(stepIndex: index, elapsedSeconds: 0, arms: [left, cutter]), isFinal: false))
        }
        await verifier.beginEpisode(metadata("a", arms: 2), firstObservation: nil)
        _ = try await step(1, force: 3, jaws: 1)
        let closed = try await step(2, force: 3, jaws: 0)
        // Tensioned closure: the frames are measured (none here, so unknown, never a success).
        #expect(closed.status == .unknown && !closed.success)
        await verifier.beginEpisode(metadata("b", arms: 2), firstObservation: nil)
        let fresh = try await step(3, force: 0, jaws: 1)
        #expect(fresh.status == .likelyFail)
        #expect(fresh.votes.map(\.source) == ["tension"])
        #expect(fresh.detail?.hasPrefix("jaws never closed") == true)
    }
}
