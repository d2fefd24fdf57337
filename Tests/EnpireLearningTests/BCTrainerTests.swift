import Enpire
import Foundation
import Testing
@testable import EnpireLearning

@Suite("Behaviour cloning")
struct BCTrainerTests {
    /// Known nonlinear expert on a 2-D state: a = [sin(x0) + x1², tanh(x0·x1)], split over two 1-D "arms".
    static func expert(_ x: [Double]) -> [Double] { [sin(x[0]) + x[1] * x[1], tanh(x[0] * x[1])] }

    static func episodes(count: Int, steps: Int, seed: UInt64) -> [RecordedEpisode] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { e in
            let records = (0..<steps).map { t in
                let x = [rng.nextUnitDouble() * 4 - 2, rng.nextUnitDouble() * 4 - 2]
                let a = expert(x)
                return StepRecord(index: t, timeSeconds: Double(t) * 0.1, source: .script,
                                  arms: [RobotState(position: [0], velocity: [0]),
                                         RobotState(position: [0], velocity: [0])],
                                  features: ["state": x],
                                  requested: [.moveTo([a[0]]), .moveTo([a[1]])],
                                  applied: [.moveTo([a[0]]), .moveTo([a[1]])])
            }
            let metadata = EpisodeMetadata(id: "e\(e)", task: "synthetic", station: "test", policy: "expert",
                                           startedAtUnixSeconds: 0, arms: [], cameras: [])
            return RecordedEpisode(summary: EpisodeSummary(metadata: metadata, status: .complete,
                                                           stepCount: steps, durationSeconds: 1), steps: records)
        }
    }

    static let configuration = BCConfiguration(
        observation: ObservationEncoding(featureKeys: ["state"], includeArmPositions: false),
        hiddenWidths: [64, 64], epochs: 60, learningRate: 3e-3, batchSize: 64, seed: 3, validationFraction: 0.2)

    @Test("Learns a nonlinear expert: held-out action MSE below 0.02 (action variance ≈ 1)")
    func learns() async throws {
        let data = Self.episodes(count: 20, steps: 100, seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-bc-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try await BCTrainer(configuration: Self.configuration, checkpointDirectory: directory)
            .train(on: data)
        let validation = try #require(outcome.metrics["validation_mse"])
        print("BC synthetic expert: validation_mse=\(validation) train_loss=\(outcome.metrics["train_loss"] ?? .nan)")
        #expect(validation < 0.02, "validation MSE \(validation)")
        // Fresh held-out states, evaluated through the Policy interface.
        var policy = try #require(outcome.policy as? MLPPolicy)
        var rng = SplitMix64(seed: 99)
        var squaredError = 0.0
        for step in 0..<200 {
            let x = [rng.nextUnitDouble() * 4 - 2, rng.nextUnitDouble() * 4 - 2]
            let observation = Observation(stepIndex: step, elapsedSeconds: 0,
                                          arms: [RobotState(position: [0], velocity: [0]),
                                                 RobotState(position: [0], velocity: [0])],
                                          features: ["state": x])
            let commands = try await policy.action(for: observation)
            #expect(commands.count == 2 && commands.allSatisfy { $0.mode == .position && $0.target.count == 1 })
            let expected = Self.expert(x)
            squaredError += pow(commands[0].target[0] - expected[0], 2) + pow(commands[1].target[0] - expected[1], 2)
        }
        #expect(squaredError / 400 < 0.02)

        // The checkpoint reproduces identical outputs.
        let checkpoint = try #require(outcome.checkpoint)
        let loaded = try MLPPolicy(checkpoint: checkpoint)
        #expect(loaded.name == policy.name)
        let probe = Observation(stepIndex: 0, elapsedSeconds: 0,
                                arms: [RobotState(position: [0], velocity: [0]),
                                       RobotState(position: [0], velocity: [0])],
                                features: ["state": [0.3, -1.2]])
        #expect(try loaded.predictChunk(for: probe) == policy.predictChunk(for: probe))
    }

    @Test("Action chunks are executed as a queue and reset clears it")
    func chunkQueue() async throws {
        var configuration = Self.configuration
        configuration.chunkSize = 3
        configuration.epochs = 2
        configuration.hiddenWidths = [16]
        let outcome = try await BCTrainer(configuration: configuration).train(on: Self.episodes(count: 3, steps: 20,
                                                                                                 seed: 2))
        var policy = try #require(outcome.policy as? MLPPolicy)
        let arms = [RobotState(position: [0], velocity: [0]), RobotState(position: [0], velocity: [0])]
        let first = Observation(stepIndex: 0, elapsedSeconds: 0, arms: arms, features: ["state": [1, 1]])
        let other = Observation(stepIndex: 1, elapsedSeconds: 0, arms: arms, features: ["state": [-1, 0.5]])
        let chunk = try policy.predictChunk(for: first)
        #expect(chunk.count == 3)
        var executed: [[Double]] = []
        executed.append(try await policy.action(for: first).flatMap(\.target))
        executed.append(try await policy.action(for: other).flatMap(\.target))
        executed.append(try await policy.action(for: other).flatMap(\.target))
        #expect(executed == chunk)
        policy.reset()
        #expect(try await policy.action(for: other).flatMap(\.target) == policy.predictChunk(for: other)[0])
    }

    @Test("Clear errors: missing feature key, bad configuration, corrupt checkpoint")
    func errors() async throws {
        var configuration = Self.configuration
        configuration.observation.featureKeys = ["missing"]
        await #expect(throws: BCError.self) {
            _ = try await BCTrainer(configuration: configuration).train(on: Self.episodes(count: 1, steps: 5, seed: 1))
        }
        configuration = Self.configuration
        configuration.chunkSize = 0
        await #expect(throws: BCError.self) {
            _ = try await BCTrainer(configuration: configuration).train(on: Self.episodes(count: 1, steps: 5, seed: 1))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-bc-bad-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: BCError.self) { _ = try MLPPolicy(checkpoint: directory) }
        configuration = Self.configuration
        configuration.epochs = 1
        configuration.hiddenWidths = [8]
        _ = try await BCTrainer(configuration: configuration, checkpointDirectory: directory)
            .train(on: Self.episodes(count: 1, steps: 10, seed: 1))
        let weights = directory.appendingPathComponent(BCModel.weightsFileName)
        let bytes = try Data(contentsOf: weights)
        try bytes.dropLast(10).write(to: weights)
        #expect(throws: SafeTensorsError.self) { _ = try MLPPolicy(checkpoint: directory) }
    }
}
