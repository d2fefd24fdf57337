import Enpire
import EnpireSim
import Foundation
import Testing

@Suite("Zip-tie cutting")
struct ZipTieTests {
    @Test("the bimanual expert cuts the tie on a handful of seeds")
    func expertEpisodes() {
        let result = ZipTieEvaluation.evaluateExpert(seeds: Array(2000..<2006))
        #expect(result.successes == result.trials, "failed seeds \(result.failedSeeds)")
    }

    @Test("closing the jaws without the tie between them is not a cut")
    func jawsClosedAway() async throws {
        let parts = ZipTieStation()
        _ = try await parts.reset.reset(try parts.resetContext(seed: 5))
        for _ in 0..<20 {
            _ = try await parts.left.send(.hold)
            _ = try await parts.cutter.send(.moveTo([150, -150, 0], gripper: 0))
        }
        let state = await parts.world.state
        #expect(!state.cut)
        #expect(state.missedClosures == 1)
        let context = EpisodeContext(observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: []), isFinal: true)
        #expect(try await parts.reward.evaluate(context).success == false)
    }

    @Test("cutting a slack tie at the mark splits it but is not a success")
    func slackCut() async throws {
        let parts = ZipTieStation()
        _ = try await parts.reset.reset(try parts.resetContext(seed: 9))
        for _ in 0..<60 {
            let s = await parts.world.state
            let blade = s.markDirection - Double.pi / 2
            let aligned = hypot(s.cutter[0] - s.mark[0], s.cutter[1] - s.mark[1]) < 0.3
            _ = try await parts.left.send(.hold)
            _ = try await parts.cutter.send(.moveTo([s.mark[0], s.mark[1], blade], gripper: aligned ? 0 : 1))
        }
        let state = await parts.world.state
        #expect(state.cut)
        #expect(!state.cutWhileTensioned)
        let verdict = ZipTieReward.verdict(state: state)
        #expect(!verdict.success)
        #expect(verdict.votes.first { $0.source == "tension" }?.success == false)
    }

    @Test("a station-style episode with both arms succeeds and the reset installs a fresh tie")
    func stationEpisodeAndReset() async throws {
        let parts = ZipTieStation()
        _ = try parts.makeStation()
        var expert = ZipTieExpert()
        let outcome = try await parts.reset.reset(try parts.resetContext(seed: 11))
        #expect(outcome.verified)
        // A new tie needs a person: the outcome says so.
        #expect(outcome.operatorAction == ZipTieReset.operatorInstruction && outcome.strategy == "replace-tie")
        var success = false
        for step in 0..<ZipTieGeometry.maxEpisodeSteps {
            let observation = Observation(stepIndex: step, elapsedSeconds: 0,
                                          arms: [try await parts.left.observe(), try await parts.cutter.observe()],
                                          features: await parts.world.features())
            let commands = try await expert.action(for: observation)
            _ = try await parts.left.send(commands[0])
            _ = try await parts.cutter.send(commands[1])
            let context = EpisodeContext(observation: observation, isFinal: false)
            if try await parts.reward.evaluate(context).success { success = true; break }
        }
        #expect(success)
        let again = try await parts.reset.reset(try parts.resetContext(seed: 12))
        #expect(again.verified)
        #expect(await parts.world.state.cut == false)
    }

    @Test("NaN commands are refused with a clear error")
    func nanRefused() async throws {
        let parts = ZipTieStation()
        await #expect(throws: SimulatedTaskError.self) {
            _ = try await parts.cutter.send(.moveTo([0, 0, .nan], gripper: 1))
        }
        await #expect(throws: SimulatedTaskError.self) {
            _ = try await parts.left.send(.moveTo([0, 0], gripper: .infinity))
        }
        #expect(await parts.world.state.leftHand == ZipTieGeometry.leftStart)
    }

    @Test("a Station episode with both arms, the reset and safety envelopes succeeds")
    func stationRunEpisode() async throws {
        let parts = ZipTieStation()
        let station = try parts.makeStation()
        try await station.connect()
        let episode = try await station.runEpisode(policy: ZipTieExpert(), seed: 21,
                                                   maxSteps: ZipTieGeometry.maxEpisodeSteps)
        #expect(episode.summary.reset?.verified == true)
        #expect(episode.summary.verdict?.success == true, "\(episode.summary.verdict?.detail ?? "no verdict")")
    }

    @Test("held-out expert figures (ENPIRE_SLOW=1)", .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_SLOW"] == "1"))
    func heldOut() {
        let start = Date()
        let result = ZipTieEvaluation.evaluateExpert(seeds: Array(100_000..<100_200))
        print("zip-tie expert: \(result.successes)/\(result.trials), mean \(result.meanSeconds) s, "
              + "longest streak \(result.longestStreak), failed \(result.failedSeeds), "
              + "wall \(Date().timeIntervalSince(start)) s")
        #expect(result.successRate >= 0.95)
    }
}
