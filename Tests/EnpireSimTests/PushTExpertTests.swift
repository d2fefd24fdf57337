import Enpire
import Testing
@testable import EnpireSim

/// The scripted expert and its planner: a real episode through the real simulator, plus parameter handling.
@Suite("Push-T heuristic expert")
struct PushTExpertTests {
    @Test func expertSolvesASeededEpisodeWithinTheBudget() {
        let episode = PushTExpertEvaluation.runEpisode(seed: 3)
        #expect(episode.success, "seed 3 ended at coverage \(episode.finalCoverage) after \(episode.steps) steps")
        #expect(episode.steps < PushTGeometry.maxEpisodeSteps)
    }

    @Test func expertActsThroughTheStationInterfaces() async throws {
        let world = PushTWorld()
        await world.reset(seed: 11)
        let arm = PushTPusherArm(world: world, clock: SimulatedClock())
        var expert = PushTHeuristicExpert()
        expert.reset()
        var success = false
        for step in 0..<PushTGeometry.maxEpisodeSteps {
            let observation = Observation(stepIndex: step, elapsedSeconds: Double(step) / 10,
                                          arms: [try await arm.observe()], features: await world.features())
            let commands = try await expert.action(for: observation)
            #expect(commands.count == 1)
            _ = try await arm.send(commands[0])
            if await world.coverage > PushTGeometry.successThreshold {
                success = true
                break
            }
        }
        #expect(success)
        let verdict = try await PushTCoverageReward(world: world).evaluate(
            EpisodeContext(observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: []), isFinal: true))
        #expect(verdict.success == success)
    }

    @Test("when the episode goes on after the target is met, the expert raises its target and pushes on")
    func expertRaisesItsTargetWhenTheEpisodeGoesOn() {
        let simulation = PushTSimulation()
        simulation.reset(seed: 3)
        var expert = PushTHeuristicExpert()
        var firstSuccessStep: Int?
        // Nobody ends the episode at 0.95 here (as a camera that confirms higher would not).
        for step in 0..<PushTGeometry.maxEpisodeSteps {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try? simulation.step(action: (target.x, target.y))
            if firstSuccessStep == nil, simulation.coverage > PushTGeometry.successThreshold { firstSuccessStep = step }
        }
        #expect(firstSuccessStep != nil)
        #expect(expert.planner.successCoverage > PushTGeometry.successThreshold + 0.015,
                "target stayed at \(expert.planner.successCoverage)")
        #expect(simulation.coverage > 0.965, "final coverage \(simulation.coverage)")
        expert.reset()
        #expect(expert.planner.successCoverage == PushTPlannerParameters().targetCoverage)
    }

    @Test func expertRefusesAnObservationWithoutState() async {
        var expert = PushTHeuristicExpert()
        let observation = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [])
        await #expect(throws: PushTExpertError.self) { try await expert.action(for: observation) }
    }

    @Test func plannerParametersRoundTripThroughARecipe() throws {
        let tuned = PushTPlannerParameters(contactsPerEdge: 2, pushDistanceCount: 3, angleWeight: 120)
        #expect(try PushTPlannerParameters(recipe: tuned.recipe) == tuned)
        #expect(throws: PushTPlannerError.self) { try PushTPlannerParameters(recipe: ["contactsPerEdge": 2.5]) }
        #expect(throws: PushTPlannerError.self) { try PushTPlannerParameters(recipe: ["noSuchKnob": 1]) }
        #expect(throws: PushTPlannerError.self) {
            try PushTPlannerParameters(recipe: ["pushDistanceMin": 50, "pushDistanceMax": 10])
        }
    }

    @Test func plannerReachesAnArbitraryGoalPose() {
        // The same planner serves a reset to a sampled pose: push from gym-pusht's seed-5 start to (200, 320, 1.0).
        let goal = (x: 200.0, y: 320.0, angle: 1.0)
        let planner = PushTPushPlanner(goal: goal)
        let simulation = PushTSimulation()
        simulation.reset(seed: 5)
        var reached = false
        var steps = 0
        while steps < PushTGeometry.maxEpisodeSteps, !reached {
            let plan = planner.plan(state: simulation.state, agentVelocity: simulation.agentVelocity)
            for target in plan.targets {
                try? simulation.step(action: (target.x, target.y))
                steps += 1
                if planner.goalCoverage(simulation.state) > 0.95 { reached = true; break }
            }
        }
        #expect(reached, "final coverage of the goal pose: \(planner.goalCoverage(simulation.state))")
    }

    @Test func resampledPathsKeepTheirSpacingAndEnd() {
        let path: [SIMD2<Double>] = [SIMD2(0, 0), SIMD2(10, 0), SIMD2(10, 10)]
        let points = PushTPushPlanner.resample(path, spacing: 4)
        #expect(points.last == SIMD2(10, 10))
        #expect(points.first == SIMD2(4, 0))
        #expect(points.count == 5)
    }
}
