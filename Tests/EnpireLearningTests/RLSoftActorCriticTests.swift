import Enpire
import Foundation
import Testing
@testable import EnpireLearning

@Suite("RL: soft actor-critic")
struct RLSoftActorCriticTests {
    @Test("SAC learns the 1-D reach task: deterministic return above −2.5 (random policy: about −10)")
    func sacLearnsReach() throws {
        var configuration = rlFastConfiguration()
        configuration.criticCount = 4
        configuration.targetSubsetSize = 2
        let learner = try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: configuration)
        var loop = OnlineSACLoop(environment: RLReachEnvironment(), evaluationEnvironment: RLReachEnvironment(),
                                 episodeLength: 20)
        loop.warmupSteps = 200
        loop.evaluateEvery = 500
        let before = try loop.evaluate(learner: learner)
        var replay = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 10_000)
        let curve = try loop.run(learner: learner, steps: 1500, replay: &replay)
        let after = try #require(curve.points.last)
        print("SAC reach: return \(before.meanReturn) -> \(after.meanReturn), success \(after.successes)/10, "
            + "alpha \(learner.temperature)")
        #expect(after.meanReturn > -2.5)
        #expect(after.meanReturn > before.meanReturn + 2)
        #expect(after.successes >= 7)
        #expect(learner.temperature < configuration.initialTemperature)
        // The curve is saved as JSON and drawn as SVG with Wilson bands.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try curve.writeJSON(to: directory.appendingPathComponent("curve.json"))
        try LearningCurve.writeSVG([curve], title: "SAC reach", target: 0.95,
                                   to: directory.appendingPathComponent("curve.svg"))
        let decoded = try JSONDecoder().decode(LearningCurve.self,
                                               from: Data(contentsOf: directory.appendingPathComponent("curve.json")))
        #expect(decoded == curve)
        let svg = try String(contentsOf: directory.appendingPathComponent("curve.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg ") && svg.contains(">SAC reach</text>") && svg.hasSuffix("</svg>\n"))
    }

    @Test("Residual SAC improves a biased base controller while |applied − base| ≤ fraction")
    func residualImprovesBiasedController() throws {
        // Proportional controller with a constant bias: settles 0.075 beyond the goal, so it never succeeds.
        let base: @Sendable ([Float]) -> [Float] = { observation in
            [min(max(4 * (observation[1] - observation[0]) + 0.3, -1), 1)]
        }
        let fraction: Float = 0.5
        let environment = try ResidualEnvironment(base: RLReachEnvironment(), fraction: fraction, basePolicy: base)
        var baseOnly = environment
        var baseReturn: Double = 0
        var baseSuccesses = 0
        for index in 0..<10 {
            _ = baseOnly.reset(seed: 1_000_000 + UInt64(index))
            var last = EnvironmentStep(observation: [], reward: 0)
            for _ in 0..<20 {
                last = baseOnly.step([0])
                baseReturn += Double(last.reward)
            }
            if last.success { baseSuccesses += 1 }
        }
        baseReturn /= 10
        let learner = try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: rlFastConfiguration())
        var loop = OnlineSACLoop(environment: environment, evaluationEnvironment: environment, episodeLength: 20)
        loop.warmupSteps = 200
        loop.evaluateEvery = 1000
        var replay = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 10_000)
        let curve = try loop.run(learner: learner, steps: 1500, replay: &replay, label: "residual")
        let after = try #require(curve.points.last)
        print("Residual: base return \(baseReturn) (\(baseSuccesses)/10) -> \(after.meanReturn) "
            + "(\(after.successes)/10)")
        #expect(baseSuccesses == 0)
        // Measured: −2.28 → −1.93 (seed 1); the last 0.05 of precision is not reached in 1500 steps.
        #expect(after.meanReturn > baseReturn + 0.25)
        // The bound holds for any residual, including extreme ones.
        var probe = environment
        _ = probe.reset(seed: 3)
        for action: Float in [-1, 1, 5, -7] {
            let nominal = base([probe.base.position, probe.base.goal])[0]
            _ = probe.step([action])
            #expect(abs(probe.lastAppliedAction[0] - nominal) <= fraction + 1e-6)
        }
    }

    @Test("Symmetric sampling with a demonstration buffer and the BC term learn from demonstrations alone")
    func offlineToOnlineWithDemonstrations() throws {
        var demonstrations = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 4000)
        var environment = RLReachEnvironment()
        for seed in 0..<100 {
            var observation = environment.reset(seed: 500 + UInt64(seed))
            for _ in 0..<20 {
                let action = [min(max(4 * (observation[1] - observation[0]), -1), 1)]
                let result = environment.step(action)
                try demonstrations.append(Transition(observation: observation, action: action, reward: result.reward,
                                                     nextObservation: result.observation, terminal: false))
                observation = result.observation
            }
        }
        var configuration = rlFastConfiguration(seed: 3)
        configuration.behaviourCloningWeight = 2.5
        let learner = try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: configuration)
        let online = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 10)
        for _ in 0..<600 { try learner.update(online: online, demonstrations: demonstrations) }
        var loop = OnlineSACLoop(environment: environment, evaluationEnvironment: environment, episodeLength: 20)
        let result = try loop.evaluate(learner: learner)
        print("Offline SAC+BC from demonstrations: return \(result.meanReturn), success \(result.successes)/10")
        #expect(result.meanReturn > -2.5)
    }

    @Test("Checkpoint round trip reproduces actions; configuration errors are clear")
    func checkpointRoundTrip() throws {
        let learner = try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: rlFastConfiguration())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sac-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try learner.save(to: directory)
        let restored = try SoftActorCritic.load(from: directory)
        #expect(try restored.act([0.3, -0.2], deterministic: true) == learner.act([0.3, -0.2], deterministic: true))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("sac.json").path))
        var bad = rlFastConfiguration()
        bad.targetSubsetSize = 5
        #expect(throws: RLError.self) { try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: bad) }
        #expect(throws: RLError.self) { try learner.act([1, 2, 3]) }
    }
}
