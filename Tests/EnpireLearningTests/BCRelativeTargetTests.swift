import Enpire
import Foundation
import Testing
@testable import EnpireLearning

@Suite("Behaviour cloning with targets relative to the arm")
struct BCRelativeTargetTests {
    /// The expert always commands "0.3 to the right of where the arm is": absolute targets vary with the arm
    /// position, relative ones are constant.
    static func episode(positions: [Double]) -> RecordedEpisode {
        let steps = positions.enumerated().map { t, p in
            StepRecord(index: t, timeSeconds: Double(t) * 0.1, source: .script,
                       arms: [RobotState(position: [p], velocity: [0])], features: ["bias": [1]],
                       requested: [.moveTo([p + 0.3])], applied: [.moveTo([p + 0.3])])
        }
        let metadata = EpisodeMetadata(id: "r", task: "t", station: "s", policy: "expert", startedAtUnixSeconds: 0,
                                       arms: [], cameras: [])
        return RecordedEpisode(summary: EpisodeSummary(metadata: metadata, status: .complete, stepCount: steps.count,
                                                       durationSeconds: 1), steps: steps)
    }

    @Test func datasetHoldsOffsetsAndThePolicyAddsThePositionBack() async throws {
        var rng = SplitMix64(seed: 5)
        let data = [Self.episode(positions: (0..<200).map { _ in rng.nextUnitDouble() * 10 - 5 })]
        // The observation does not include the arm position: only a relative target is learnable.
        let configuration = BCConfiguration(
            observation: ObservationEncoding(featureKeys: ["bias"], includeArmPositions: false), chunkSize: 2,
            hiddenWidths: [16], epochs: 30, learningRate: 3e-3, batchSize: 32, seed: 1, validationFraction: 0,
            relativeToArmPosition: true)
        let trainer = BCTrainer(configuration: configuration)
        let (dataset, _) = try trainer.makeDataset(from: data)
        #expect(abs(dataset.targets.scalars[0] - 0.3) < 1e-5)
        var policy = try #require(try await trainer.train(on: data).policy as? MLPPolicy)
        for position in [-4.0, 0.5, 3.0] {
            policy.reset()
            let commands = try await policy.action(for: Observation(
                stepIndex: 0, elapsedSeconds: 0, arms: [RobotState(position: [position], velocity: [0])],
                features: ["bias": [1]]))
            #expect(abs(commands[0].target[0] - (position + 0.3)) < 0.05, "at \(position): \(commands[0].target)")
        }
    }
}
