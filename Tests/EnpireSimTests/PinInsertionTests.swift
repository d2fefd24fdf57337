import Enpire
import EnpireSim
import Foundation
import Testing

@Suite("Pin insertion")
struct PinInsertionTests {
    @Test("the expert inserts the pin on a handful of seeds")
    func expertEpisodes() {
        let result = PinInsertionEvaluation.evaluateExpert(seeds: Array(1000..<1006))
        #expect(result.successes == result.trials, "failed seeds \(result.failedSeeds)")
        #expect(result.meanSeconds > 0 && result.meanSeconds < 15)
    }

    @Test("a known push gives an upward force of spring stiffness × compression")
    func forceUnderKnownPush() throws {
        let simulation = PinInsertionSimulation()
        simulation.setHole(x: 0, angle: 0)
        // Tip resting on the block top 40 mm beside the hole, then the hand pushed 1 mm further down.
        let reach = PinInsertionGeometry.handToTip
        for _ in 0..<10 { try simulation.step(target: [40, reach + 5, 0]) }
        #expect(simulation.state.forceMagnitude == 0)
        for _ in 0..<20 { try simulation.step(target: [40, reach - 1, 0]) }
        let state = simulation.state
        let expected = PinInsertionGeometry.graspStiffness * 1
        #expect(state.force[1] > 0, "the block pushes the pin up, got \(state.force)")
        #expect(abs(state.force[1] - expected) < 0.2 * expected, "got \(state.force), expected ≈ \(expected) N")
        #expect(abs(state.force[0]) < 0.1 * expected)
    }

    @Test("a pin pressed on the block surface is not a success, nor one pushed hard inside")
    func rewardFalsePositives() async throws {
        let parts = PinInsertionStation()
        await parts.world.setHole(x: 0, angle: 0)
        let reach = PinInsertionGeometry.handToTip
        for _ in 0..<20 { _ = try await parts.arm.send(.moveTo([30, reach - 0.5, 0])) }
        let context = EpisodeContext(observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: []), isFinal: true)
        let onSurface = try await parts.reward.evaluate(context)
        #expect(!onSurface.success)
        #expect(onSurface.votes.first { $0.source == "depth" }?.success == false)
        // Inside, at the bottom of the hole and pushing 3 mm into it: deep and aligned but not released.
        for _ in 0..<40 { _ = try await parts.arm.send(.moveTo([0, reach + 10, 0])) }
        for _ in 0..<60 { _ = try await parts.arm.send(.moveTo([0, -PinInsertionGeometry.holeDepth + reach - 3, 0])) }
        let pushing = try await parts.reward.evaluate(context)
        #expect(pushing.votes.first { $0.source == "depth" }?.success == true, "\(pushing.detail ?? "")")
        #expect(pushing.votes.first { $0.source == "force" }?.success == false, "\(pushing.detail ?? "")")
        #expect(!pushing.success)
        // Backing off to 24 mm releases the force and the verdict becomes a success.
        for _ in 0..<20 { _ = try await parts.arm.send(.moveTo([0, -24 + reach, 0])) }
        let released = try await parts.reward.evaluate(context)
        #expect(released.success, "\(released.detail ?? "")")
    }

    @Test("reset extracts the pin, re-randomises the hole and verifies the start pose")
    func resetVerifies() async throws {
        let parts = PinInsertionStation()
        await parts.world.setHole(x: 0, angle: 0)
        let reach = PinInsertionGeometry.handToTip
        for _ in 0..<40 { _ = try await parts.arm.send(.moveTo([0, reach + 10, 0])) }
        for _ in 0..<40 { _ = try await parts.arm.send(.moveTo([0, -24 + reach, 0])) }
        #expect(await parts.world.state.depth > 20)
        let outcome = try await parts.reset.reset(try parts.resetContext(seed: 7))
        #expect(outcome.verified, "\(outcome.reason ?? "")")
        let state = await parts.world.state
        let pose = PinInsertionSimulation.holePose(seed: 7)
        #expect(state.hole[0] == pose.x && state.hole[2] == pose.angle)
        #expect(state.contactCount == 0)
        #expect(abs(state.hand[1] - PinInsertionGeometry.startPose[1]) < 0.5)
        #expect(outcome.elapsedSeconds > 0)
    }

    @Test("NaN and wrong-length commands are refused with a clear error and the hand does not move")
    func badCommands() async throws {
        let parts = PinInsertionStation()
        let before = await parts.world.state.hand
        await #expect(throws: SimulatedTaskError.self) {
            _ = try await parts.arm.send(.moveTo([0, .nan, 0]))
        }
        await #expect(throws: ArmError.self) {
            _ = try await parts.arm.send(.moveTo([0, 1]))
        }
        #expect(await parts.world.state.hand == before)
        let error = SimulatedTaskError.nonFiniteCommand(task: "pin insertion", values: [0, .nan, 0])
        #expect(error.description.contains("NaN"))
    }

    @Test("a station episode with the expert succeeds")
    func stationEpisode() async throws {
        let parts = PinInsertionStation()
        let station = try parts.makeStation()
        _ = station
        var expert = PinInsertionExpert()
        _ = try await parts.reset.reset(try parts.resetContext(seed: 3))
        var success = false
        for step in 0..<PinInsertionGeometry.maxEpisodeSteps {
            let observation = Observation(stepIndex: step, elapsedSeconds: 0, arms: [try await parts.arm.observe()],
                                          features: await parts.world.features())
            _ = try await parts.arm.send(try await expert.action(for: observation)[0])
            let context = EpisodeContext(observation: observation, isFinal: false)
            if try await parts.reward.evaluate(context).success { success = true; break }
        }
        #expect(success)
    }

    @Test("a Station episode with the expert, seeded reset and safety envelope succeeds")
    func stationRunEpisode() async throws {
        let parts = PinInsertionStation()
        let station = try parts.makeStation()
        try await station.connect()
        let episode = try await station.runEpisode(policy: PinInsertionExpert(), seed: 3,
                                                   maxSteps: PinInsertionGeometry.maxEpisodeSteps)
        #expect(episode.summary.reset?.verified == true)
        #expect(episode.summary.verdict?.success == true, "\(episode.summary.verdict?.detail ?? "no verdict")")
    }

    @Test("held-out expert figures (ENPIRE_SLOW=1)", .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_SLOW"] == "1"))
    func heldOut() {
        let start = Date()
        let result = PinInsertionEvaluation.evaluateExpert(seeds: Array(100_000..<100_200))
        print("pin-insertion expert: \(result.successes)/\(result.trials), mean \(result.meanSeconds) s, "
              + "longest streak \(result.longestStreak), failed \(result.failedSeeds), "
              + "wall \(Date().timeIntervalSince(start)) s")
        #expect(result.successRate >= 0.95)
    }
}
