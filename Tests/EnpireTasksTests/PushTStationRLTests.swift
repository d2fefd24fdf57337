import Enpire
import EnpireLearning
import EnpireSim
@testable import EnpireTasks
import Foundation
import Testing

@Suite("Push-T reinforcement learning on camera-judged stations")
struct PushTStationRLTests {
    static func step(_ index: Int, score: Double) -> StepRecord {
        StepRecord(index: index, timeSeconds: Double(index) / 10, source: .policy, arms: [], requested: [], applied: [],
                   reward: score)
    }

    @Test("a decision's return is the camera score gained over its steps, the success bonus on the last, discounted per step")
    func returnsFromCameraScores() {
        var configuration = PushTStationRL.Configuration()
        configuration.discount = 0.5
        configuration.successBonus = 1
        configuration.stepCost = 0.01
        // Scores after steps 0...5; decisions at steps 0 and 3.
        let steps = [0.2, 0.3, 0.4, 0.5, 0.6, 0.9].enumerated().map { Self.step($0.offset, score: $0.element) }
        let decisions = [PushTSelectorDecision(features: [], choice: 0, step: 0),
                         PushTSelectorDecision(features: [], choice: 1, step: 3)]
        let failed = PushTStationRL.returns(decisions: decisions, steps: steps, success: false, configuration: configuration)
        // First: score before step 3 (0.4) − before step 0 (0.2) − 3 steps × 0.01; second: 0.9 − 0.4 − 0.03.
        let second = 0.9 - 0.4 - 0.03
        #expect(abs(failed[1] - second) < 1e-12)
        #expect(abs(failed[0] - (0.4 - 0.2 - 0.03 + 0.125 * second)) < 1e-12)
        let succeeded = PushTStationRL.returns(decisions: decisions, steps: steps, success: true, configuration: configuration)
        #expect(abs(succeeded[1] - (second + 1)) < 1e-12)
        #expect(abs(succeeded[0] - (0.4 - 0.2 - 0.03 + 0.125 * (second + 1))) < 1e-12)
        #expect(PushTStationRL.returns(decisions: [], steps: steps, success: true, configuration: configuration).isEmpty)
    }

    /// A random selector over the cheap library.
    static func randomModel(seed: UInt64) throws -> PushTPrimitiveModel {
        let library = PushTLearningTests.cheapLibrary
        let specification = MLPSpecification(inputFeatures: PushTPrimitiveFeatures.count, hiddenWidths: [16],
                                             outputFeatures: PushTPushPlanner(parameters: library).candidateCount)
        var rng = SplitMix64(seed: seed)
        return PushTPrimitiveModel(library: library, specification: specification, metrics: [:],
                                   network: try specification.makeNetwork(rng: &rng))
    }

    @Test("the update moves probability to the primitive with the higher return, and the KL term pulls back to the start")
    func updateFollowsTheAdvantage() throws {
        let base = try Self.randomModel(seed: 5)
        let features = [Float](repeating: 0.3, count: PushTPrimitiveFeatures.count)
        func probabilities(after klWeight: Float, epochs: Int, clipRatio: Float? = nil) throws -> [Float] {
            var configuration = PushTStationRL.Configuration()
            configuration.clipRatio = clipRatio
            configuration.learningRate = 1e-2
            configuration.epochs = epochs
            configuration.klWeight = klWeight
            configuration.criticEpochs = 50
            let learner = PushTStationRL(configuration: configuration)
            var rng = SplitMix64(seed: 1)
            let network = try PushTStationRL.copy(try base.specification.makeNetwork(rng: &rng), base.specification)
            try network.load(stateDictionary: base.stateDictionary())
            let critic = try MLPSpecification(inputFeatures: PushTPrimitiveFeatures.count, hiddenWidths: [8],
                                              outputFeatures: 1).makeNetwork(rng: &rng)
            // Same state, primitive 2 returned 1, primitive 4 returned 0: the value is 0.5, advantages ±0.5.
            let explored = (0..<8).map { index in
                PushTStationRL.Explored(
                    decisions: [PushTSelectorDecision(features: features, choice: index.isMultiple(of: 2) ? 2 : 4, step: 0)],
                    advantages: [index.isMultiple(of: 2) ? 1 : 0], cameraSuccess: false, groundTruthSuccess: false,
                    robotSeconds: 0, resetSeconds: 0)
            }
            try learner.update(network: network, optimizer: Adam(parameters: network.parameters, learningRate: 1e-2),
                               critic: (critic, Adam(parameters: critic.parameters, learningRate: 1e-2)), base: base,
                               explored: explored, rng: &rng)
            return PushTSelectorExploration.softmax(try network.forward(Tensor(shape: [1, features.count], scalars: features)).scalars)
        }
        let start = PushTSelectorExploration.softmax(base.logits(features))
        let free = try probabilities(after: 0, epochs: 20)
        #expect(free[2] > start[2] + 0.05, "\(start[2]) -> \(free[2])")
        #expect(free[4] < start[4], "\(start[4]) -> \(free[4])")
        let anchored = try probabilities(after: 20, epochs: 20)
        #expect(abs(anchored[2] - start[2]) < abs(free[2] - start[2]) / 2,
                "a strong KL anchor keeps the policy near its start: \(start[2]) -> \(anchored[2]) (free \(free[2]))")
        // PPO's clip: many passes over one round move the chosen primitive's probability ratio only to about 1 + ε
        // (a little more: the other rows, pushing primitive 4 down until their own clip, shift mass to it too).
        let long = try probabilities(after: 0, epochs: 100)
        let clipped = try probabilities(after: 0, epochs: 100, clipRatio: 0.1)
        #expect(long[2] / start[2] > 1.5, "\(start[2]) -> \(long[2])")
        #expect(clipped[2] / start[2] > 1.05 && clipped[2] / start[2] < 1.4,
                "clipped at ε = 0.1: \(start[2]) -> \(clipped[2]) (unclipped \(long[2]))")
    }

    @Test("exploration samples from the selector's softmax reproducibly and logs each decision")
    func explorationSamples() {
        let logits: [Float] = [0, 2, 0, -10]
        func draws(seed: UInt64) -> [Int] {
            let exploration = PushTSelectorExploration(seed: seed)
            return (0..<400).map { exploration.choose(logits: logits, features: [1], step: $0) }
        }
        let first = draws(seed: 3)
        #expect(first == draws(seed: 3))
        let share = Double(first.filter { $0 == 1 }.count) / 400
        let expected = Double(PushTSelectorExploration.softmax(logits)[1])
        #expect(abs(share - expected) < 0.08, "sampled \(share) of the favoured primitive, softmax \(expected)")
        #expect(!first.contains(3), "a primitive with e^-10 weight should not come up in 400 draws")
        let exploration = PushTSelectorExploration(seed: 1)
        let choice = exploration.choose(logits: logits, features: [7], step: 12)
        #expect(exploration.takeDecisions() == [PushTSelectorDecision(features: [7], choice: choice, step: 12)])
        #expect(exploration.takeDecisions().isEmpty, "taking the decisions forgets them")
    }

    @Test("a tiny run acts on camera-judged stations: robot time with resets, decisions from the camera, a curve per round")
    func tinyRunOnStations() async throws {
        var configuration = PushTStationRL.Configuration()
        configuration.rounds = 1
        configuration.episodesPerRound = 2
        configuration.maxSteps = 40
        configuration.developmentEpisodes = 1
        configuration.criticEpochs = 2
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("station-rl-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EpisodeStore(root: folder)
        let result = try await PushTStationRL(configuration: configuration).run(base: try Self.randomModel(seed: 2),
                                                                                recorder: store)
        let recorded = try store.loadAll()
        #expect(recorded.count == 2, "both exploring episodes recorded, development episodes not")
        #expect(recorded.allSatisfy { $0.summary.metadata.tags["rl"] == "pusht-selector-pg" })
        #expect(recorded.flatMap(\.steps).allSatisfy { $0.source == .policy })
        #expect(recorded.allSatisfy { $0.steps.count <= 40 && !$0.steps.isEmpty })
        #expect(result.curve.map(\.round) == [0, 1])
        let point = result.curve[1]
        #expect(point.roundEpisodes == 2 && point.episodes == 2)
        #expect(point.decisions >= 2, "every episode takes at least one decision")
        #expect(point.resetSeconds > 0, "the robot reset runs before each episode and counts as robot time")
        #expect(point.trainingRobotSeconds > point.resetSeconds)
        #expect(point.developmentRobotSeconds > 0 && point.developmentEpisodes == 1)
        #expect(point.falsePositives <= point.cameraSuccesses)
        #expect(result.model.primitiveCount == PushTPushPlanner(parameters: PushTLearningTests.cheapLibrary).candidateCount)
    }

    @Test("settings out of range are refused with their name")
    func refusesBadSettings() {
        var configuration = PushTStationRL.Configuration()
        configuration.discount = 1.5
        #expect(throws: PushTLearningError.invalidSetting("discount must be in 0...1")) { try configuration.validate() }
        configuration = PushTStationRL.Configuration()
        configuration.episodesPerRound = 0
        #expect(throws: PushTLearningError.self) { try configuration.validate() }
    }

    @Test("enpire learn's station-rl refuses a missing base, state observations and a base that is not a selector")
    func learnRefusesBadInput() async throws {
        let task = PushTLearnableTask()
        #expect(task.paradigms.contains("station-rl"))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("station-rl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        await #expect(throws: LearningError.invalidOption("station-rl needs --base DIR: a Push-T bc or dagger checkpoint to improve")) {
            _ = try await task.learn(LearnOptions(paradigm: "station-rl", output: output), progress: { _ in })
        }
        await #expect(throws: LearningError.invalidOption("station-rl learns from the station's camera; use --observe camera")) {
            _ = try await task.learn(LearnOptions(paradigm: "station-rl", observe: .state, output: output, base: output),
                                     progress: { _ in })
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: output.appendingPathComponent(PushTPrimitiveModel.sidecarFileName))
        await #expect(throws: PushTLearningError.self) {
            _ = try await task.learn(LearnOptions(paradigm: "station-rl", output: output.appendingPathComponent("out"),
                                                  base: output), progress: { _ in })
        }
    }

    @Test("holding when covered: the pusher stays put while the observed block covers the goal, at most 10 steps in a row")
    func holdsWhenCovered() async throws {
        let model = try Self.randomModel(seed: 9)
        let goal = PushTGeometry.goalPose
        /// Commands until the first decision, with the block observed at the goal (or 40 px off it).
        func stepsUntilDecision(hold: Double?, blockOffset: Double) async throws -> (steps: Int, targets: [[Double]]) {
            var policy = try PushTPrimitivePolicy(model: model, mode: .state)
            policy.holdsWhenCovered = hold
            policy.reset()
            var targets: [[Double]] = []
            for count in 1...50 {
                let observation = Observation(
                    stepIndex: count - 1, elapsedSeconds: 0, arms: [RobotState(position: [100, 400], velocity: [0, 0])],
                    features: [PushTFeatures.state: [100, 400, goal.x + blockOffset, goal.y, goal.angle]])
                targets.append(try await policy.action(for: observation)[0].target)
                if policy.decisions == 1 { return (count, targets) }
            }
            return (51, targets)
        }
        let held = try await stepsUntilDecision(hold: 0.96, blockOffset: 0)
        #expect(held.steps == PushTPrimitivePolicy.maximumHeldSteps + 1, "held \(held.steps - 1) steps")
        #expect(held.targets.dropLast().allSatisfy { $0 == [100, 400] }, "held steps keep the pusher where it is")
        #expect(try await stepsUntilDecision(hold: nil, blockOffset: 0).steps == 1, "off by default")
        #expect(try await stepsUntilDecision(hold: 0.96, blockOffset: 40).steps == 1, "a block off the goal is pushed")
    }

    @Test("moving aside when hidden: a first frame with the pusher over the block moves the pusher away and looks again, at most 5 times; off by default the episode ends with the error")
    func movesAsideWhenHidden() async throws {
        let model = try Self.randomModel(seed: 9)
        // gym-pusht's start state for seed 9,400,341: the pusher lies over the stem, the camera measures 40 % of the T.
        let simulation = PushTSimulation()
        simulation.reset(seed: 9_400_341)
        let hidden = simulation.state
        let noise = CameraNoise.realistic(seed: 77)
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480), noise: noise)
        let observer = try PushTCameraObserver.simulated(cameraName: "top", noise: noise)
        func observation(_ state: PushTState, step: Int) -> Observation {
            Observation(stepIndex: step, elapsedSeconds: 0,
                        arms: [RobotState(position: [state.agentX, state.agentY], velocity: [0, 0])],
                        frames: ["top": Frame(cameraName: "top", timestampSeconds: 0,
                                              image: renderer.render(state, frameIndex: UInt64(step)))])
        }
        var policy = try PushTPrimitivePolicy(model: model, mode: .camera, observer: observer)
        policy.reset()
        await #expect(throws: PushTObservationError.self, "off by default") {
            _ = try await policy.action(for: observation(hidden, step: 0))
        }
        policy.movesAsideWhenHidden = true
        policy.reset()
        let first = try await policy.action(for: observation(hidden, step: 0))[0].target
        let away = SIMD2(first[0] - hidden.agentX, first[1] - hidden.agentY)
        let fromBlock = SIMD2(hidden.agentX - hidden.blockX, hidden.agentY - hidden.blockY)
        #expect(abs((away * away).sum().squareRoot() - PushTPrimitivePolicy.asideDistance) < 1e-6, "\(first)")
        #expect((away * fromBlock).sum() > 0, "the pusher moves away from the block: \(first)")
        #expect(policy.decisions == 0)
        // The pusher now clear of the block: the next frame is measured and the policy decides.
        var clear = hidden
        clear.agentX = first[0]
        clear.agentY = first[1]
        _ = try await policy.action(for: observation(clear, step: 1))
        #expect(policy.decisions == 1, "decided once the block is seen")
        // A block that stays hidden: five steps aside, then the error.
        policy.reset()
        let stuck = observation(hidden, step: 0)
        for _ in 0..<PushTPrimitivePolicy.maximumAsideSteps { _ = try await policy.action(for: stuck) }
        #expect(policy.decisions == 0)
        await #expect(throws: PushTObservationError.self) { _ = try await policy.action(for: stuck) }
        // Through the evaluation: the aborted episode is counted and named; moving aside, the episode runs.
        let aborted = try await PushTPolicyEvaluation.evaluate(model: model, mode: .camera, seeds: [9_400_341], workers: 1)
        #expect(aborted.abortedEpisodes == 1 && aborted.successes == 0)
        #expect(aborted.firstAbort?.hasPrefix("seed 9400341: fault at step 0: block not seen") == true, "\(aborted.firstAbort ?? "-")")
        let ran = try await PushTPolicyEvaluation.evaluate(model: model, mode: .camera, seeds: [9_400_341], workers: 1,
                                                           movesAsideWhenHidden: true)
        #expect(ran.abortedEpisodes == 0 && ran.robotSeconds > 1, "\(ran.firstAbort ?? "-")")
    }
}
