import Enpire
import EnpireLearning
import EnpireSim
import EnpireTasks
import Foundation
import Testing

@Suite("Push-T learned primitive selector")
struct PushTLearningTests {
    /// A cheap primitive library: 10 contacts x 2 distances.
    static let cheapLibrary = try! PushTPlannerParameters(recipe: ["contactsPerEdge": 1, "pushDistanceCount": 2])

    /// A tiny training run over the cheap library: a few episodes, a few updates.
    static func tiny(episodes: Int, rounds: Int, hidden: Int, developmentEpisodes: Int)
        -> PushTPrimitiveLearner.Configuration {
        var configuration = PushTPrimitiveLearner.Configuration()
        configuration.library = cheapLibrary
        configuration.episodesPerRound = episodes
        configuration.rounds = rounds
        configuration.epochs = 3
        configuration.hiddenWidths = [hidden]
        configuration.developmentEpisodes = developmentEpisodes
        configuration.batchSize = 16
        configuration.minimumUpdates = 20
        return configuration
    }

    @Test("the camera observer measures the block pose from a noisy 640x480 frame to within a pixel or two")
    func cameraObserverAccuracy() throws {
        for seed in [UInt64(3), 17, 99] {
            let noise = CameraNoise.realistic(seed: seed)
            let observer = try PushTCameraObserver.simulated(noise: noise)
            let simulation = PushTSimulation()
            simulation.reset(seed: seed + 1000)
            let state = simulation.state
            var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480), noise: noise)
            let frame = Frame(cameraName: "top", timestampSeconds: 0, image: renderer.render(state, frameIndex: 5))
            let block = try observer.block(in: frame)
            #expect(abs(block.x - state.blockX) < 2, "seed \(seed): x \(block.x) vs \(state.blockX)")
            #expect(abs(block.y - state.blockY) < 2, "seed \(seed): y \(block.y) vs \(state.blockY)")
            #expect(abs(remainder(block.angle - state.blockAngle, 2 * Double.pi)) < 0.03)
        }
    }

    @Test("domain randomisation: training rollouts run in the configured reality, and clean is gym-pusht's path")
    func rolloutsRunInTheReality() {
        func episode(_ reality: PushTReality?) -> PushTPrimitiveRollouts.Episode {
            PushTPrimitiveRollouts.runEpisode(seed: 100_003, library: Self.cheapLibrary, learner: nil, teacherShare: 1,
                                              label: true, temperature: 2, positionNoise: 0, angleNoise: 0, noiseSeed: 1,
                                              reality: reality)
        }
        let plain = episode(nil), clean = episode(.clean), harsh = episode(.harsh)
        #expect(plain.steps == clean.steps && plain.maximumCoverage == clean.maximumCoverage)
        #expect(plain.decisions.map(\.features) == clean.decisions.map(\.features))
        #expect(plain.decisions.map(\.features) != harsh.decisions.map(\.features),
                "harsh's latency, lag and friction should change what the teacher's episode sees")
    }

    @Test("waiting for arrival holds the last target while the pusher lags, at most PushTArrivalWait.maximumSteps steps")
    func waitsForArrival() async throws {
        let model = try PushTPrimitiveLearner(configuration: Self.tiny(episodes: 2, rounds: 1, hidden: 8,
                                                                       developmentEpisodes: 0)).run().model
        let simulation = PushTSimulation()
        simulation.reset(seed: 11)
        let state = simulation.state
        /// Actions until the policy takes its second decision, the pusher reported on its target or 50 px behind.
        func actionsUntilSecondDecision(waits: Bool, lagging: Bool) async throws -> Int {
            var policy = try PushTPrimitivePolicy(model: model, mode: .state)
            policy.waitsForArrival = waits
            policy.reset()
            var agent = SIMD2(state.agentX, state.agentY)
            for count in 1...500 {
                let observation = Observation(
                    stepIndex: count - 1, elapsedSeconds: 0,
                    arms: [RobotState(position: [agent.x, agent.y], velocity: [0, 0])],
                    features: [PushTFeatures.state: state.observationVector])
                let target = try await policy.action(for: observation)[0].target
                if policy.decisions == 2 { return count }
                agent = SIMD2(target[0] + (lagging ? 50 : 0), target[1])
            }
            return -1
        }
        let plain = try await actionsUntilSecondDecision(waits: false, lagging: true)
        #expect(plain > 1)
        #expect(try await actionsUntilSecondDecision(waits: true, lagging: true)
                == plain + PushTArrivalWait.maximumSteps)
        #expect(try await actionsUntilSecondDecision(waits: true, lagging: false) == plain)
    }

    @Test("the executor's targets are the planner's: the chosen candidate replays the plan exactly")
    func executorMatchesPlanner() {
        let planner = PushTPushPlanner(parameters: Self.cheapLibrary)
        let simulation = PushTSimulation()
        simulation.reset(seed: 5)
        let state = simulation.state
        let plan = planner.plan(state: state, agentVelocity: (0, 0))
        let scores = planner.scoreCandidates(state: state, agentVelocity: (0, 0))
        #expect(scores.count == planner.candidateCount)
        #expect(!plan.reachesGoal)
        let (_, best) = PushTPrimitiveRollouts.softTarget(scores, temperature: 2)
        #expect(planner.candidateTargets(best, state: state) == plan.targets)
        #expect(abs(scores[best].cost - plan.predictedCost) < 1e-9)
    }

    @Test("soft targets: a distribution that favours reaching candidates, then low cost")
    func softTargets() {
        typealias Score = PushTPushPlanner.CandidateScore
        let scores = [Score(cost: 30, reachesGoal: false, steps: 20), Score(cost: 31, reachesGoal: false, steps: 20),
                      Score(cost: 25, reachesGoal: true, steps: 25), Score(cost: .infinity, reachesGoal: false, steps: 0)]
        let (target, best) = PushTPrimitiveRollouts.softTarget(scores, temperature: 2)
        #expect(best == 2)
        #expect(abs(target.reduce(0, +) - 1) < 1e-5)
        #expect(target[2] > 0.99 && target[0] > target[1] && target[3] == 0)
    }

    @Test("a tiny DAgger run trains, saves, reloads the same weights and refuses changed ones")
    func tinyTrainingRoundTrip() throws {
        let result = try PushTPrimitiveLearner(configuration: Self.tiny(episodes: 3, rounds: 2, hidden: 16,
                                                                        developmentEpisodes: 2)).run()
        #expect(result.curve.count == 2)
        #expect(result.curve[1].samples > result.curve[0].samples)
        #expect(result.model.primitiveCount == 20)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pusht-primitive-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try result.model.save(to: directory)
        let loaded = try PushTPrimitiveModel.load(from: directory)
        let features = PushTPrimitiveFeatures.vector(block: PushTObservedBlock(x: 200, y: 300, angle: 1),
                                                     agent: SIMD2(100, 100), velocity: .zero)
        #expect(loaded.logits(features) == result.model.logits(features))
        #expect(loaded.weightsHash == result.model.weightsHash)
        // Changed weights (same shapes) are refused by the hash check.
        let url = directory.appendingPathComponent(PushTPrimitiveModel.weightsFileName)
        var tensors = try SafeTensors.read(from: url).tensors
        let name = tensors.keys.sorted()[0]
        tensors[name]!.scalars[0] += 1
        try SafeTensors.write(tensors, to: url)
        #expect(throws: PushTLearningError.self) { try PushTPrimitiveModel.load(from: directory) }
    }

    @Test("in camera mode the policy never reads the simulator's state")
    func cameraPolicyIgnoresPrivilegedState() async throws {
        let model = try PushTPrimitiveLearner(configuration: Self.tiny(episodes: 2, rounds: 1, hidden: 8,
                                                                       developmentEpisodes: 0)).run().model
        let noise = CameraNoise.realistic(seed: 4)
        let observer = try PushTCameraObserver.simulated(noise: noise)
        let simulation = PushTSimulation()
        simulation.reset(seed: 11)
        let state = simulation.state
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480), noise: noise)
        let frame = Frame(cameraName: "top", timestampSeconds: 0, image: renderer.render(state))
        let arm = RobotState(position: [state.agentX, state.agentY], velocity: [0, 0])
        func firstAction(features: [String: [Double]]) async throws -> [Double] {
            var policy = try PushTPrimitivePolicy(model: model, mode: .camera, observer: observer)
            let observation = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [arm], frames: ["top": frame],
                                          features: features)
            return try await policy.action(for: observation)[0].target
        }
        let without = try await firstAction(features: [:])
        let lying = try await firstAction(features: [PushTFeatures.state: [1, 2, 3, 4, 5]])
        #expect(without == lying)
        // Without its camera frame, the camera policy refuses rather than falling back on privileged state.
        var policy = try PushTPrimitivePolicy(model: model, mode: .camera, observer: observer)
        let blind = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [arm],
                                features: [PushTFeatures.state: state.observationVector])
        await #expect(throws: PushTObservationError.self) { _ = try await policy.action(for: blind) }
    }
}
