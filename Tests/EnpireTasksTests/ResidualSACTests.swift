import Enpire
import EnpireLearning
import EnpireTasks
import Foundation
import Testing

/// `enpire learn --paradigm residual-sac`: a bounded SAC residual over a behaviour-cloning base.
@Suite("Residual SAC over a learned task policy")
struct ResidualSACTests {
    private func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("enpire-\(name)-\(UUID().uuidString)")
    }

    /// A tiny behaviour-cloning pin checkpoint (state input: no rendering, fast).
    private func tinyBase(at directory: URL) async throws {
        let options = LearnOptions(paradigm: "bc", observe: .state, output: directory, demonstrations: 3, epochs: 1,
                                   seed: 5, devSeeds: 1, hiddenWidths: [16], workers: 2)
        _ = try await ImitationTask.pinInsertion.learn(options) { _ in }
    }

    @Test("residual-sac end to end on a tiny budget: loadable checkpoint, robot time, bounded residual")
    func endToEnd() async throws {
        let baseDirectory = temporary("residual-base"), directory = temporary("residual")
        defer {
            try? FileManager.default.removeItem(at: baseDirectory)
            try? FileManager.default.removeItem(at: directory)
        }
        try await tinyBase(at: baseDirectory)
        let task = ImitationTask.pinInsertion
        #expect(task.paradigms.contains("residual-sac"))
        let options = LearnOptions(paradigm: "residual-sac", observe: .state, output: directory, demonstrations: 1,
                                   seed: 7, daggerRounds: 1, episodesPerRound: 1, devSeeds: 1, hiddenWidths: [16],
                                   batchSize: 32, workers: 2, base: baseDirectory, residualScale: 0.3,
                                   updatesPerStep: 1)
        let summary = try await task.learn(options) { _ in }
        #expect(summary.paradigm == "residual-sac" && summary.privileged)
        #expect(summary.curve.map(\.stage) == ["base (no residual)", "rl round 1"])
        #expect(summary.robotSeconds > 0)
        for file in ["residual.json", "residual-actor.safetensors", "base/policy.json", "base/policy.safetensors",
                     "learning-curve.json", "learning-curve.csv", "learn-summary.json", "residual-curve.json",
                     "residual-curve.svg", "sac-final/actor.safetensors", "rounds/round-1/residual.json"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
        let policy = try ResidualPolicy.load(from: directory, task: "pin-insertion")
        #expect(policy.info.robotSeconds == summary.robotSeconds)
        #expect(policy.info.resetSeconds > 0, "robot resets are part of robot time")
        #expect(policy.info.resetSeconds < policy.info.robotSeconds)
        #expect(!policy.info.rewardPrivileged)
        let parts = policy.info.robotTime
        #expect(parts.demonstrations > 0 && parts.exploration > 0 && parts.evaluation > 0)
        #expect(abs(parts.demonstrations + parts.exploration + parts.evaluation - policy.info.robotSeconds) < 1e-6)
        let scale = policy.info.scale
        #expect(scale.count == 3 && scale.allSatisfy { $0 > 0 })
        // Saturate the actor (weights ×1000): the residual still stays within ±scale, and reaches its bound.
        let weights = try SafeTensors.read(from: directory.appendingPathComponent(ResidualPolicy.weightsFileName))
            .tensors.mapValues { tensor in
                var copy = tensor
                copy.scalars = copy.scalars.map { $0 * 1000 }
                return copy
            }
        let saturated = try ResidualPolicy(base: policy.base, info: policy.info, actorWeights: weights)
        var rng = SplitMix64(seed: 11)
        var largest: Float = 0
        for _ in 0..<200 {
            let input = (0..<8).map { _ in Float(rng.nextGaussian() * 20) }
            for candidate in [policy, saturated] {
                let (base, residual) = try candidate.decompose(input)
                let output = try candidate.predict(input)
                for j in 0..<3 {
                    #expect(abs(residual[j]) <= scale[j] * 1.000_01, "residual \(residual[j]) beyond ±\(scale[j])")
                    #expect(abs(output[j] - base[j] - residual[j]) <= 1e-3 * max(1, abs(output[j])))
                }
            }
            largest = max(largest, try saturated.decompose(input).residual.enumerated()
                .map { abs($0.element) / scale[$0.offset] }.max() ?? 0)
        }
        #expect(largest > 0.99, "the saturated actor should reach the bound; got \(largest) of it")
        // `enpire policy eval` loads base + residual through the task.
        let evaluation = try await task.evaluate(policyDirectory: directory, firstSeed: 7_000_000, episodes: 1,
                                                 observe: .state, workers: 1) { _ in }
        #expect(evaluation.episodes == 1)
    }

    @Test("residual-sac refuses a missing, foreign, residual or mismatched --base with an actionable message")
    func badBase() async throws {
        let baseDirectory = temporary("residual-bad-base"), output = temporary("residual-bad-out")
        defer {
            try? FileManager.default.removeItem(at: baseDirectory)
            try? FileManager.default.removeItem(at: output)
        }
        func options(base: URL?, observe: ObservationMode = .state) -> LearnOptions {
            LearnOptions(paradigm: "residual-sac", observe: observe, output: output, demonstrations: 1, daggerRounds: 1,
                         episodesPerRound: 1, devSeeds: 1, hiddenWidths: [16], base: base)
        }
        func message(_ options: LearnOptions, task: any LearnableTask = ImitationTask.pinInsertion) async -> String {
            do {
                _ = try await task.learn(options) { _ in }
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(await message(options(base: nil)).contains("needs --base"))
        let missing = await message(options(base: URL(fileURLWithPath: "/nonexistent/enpire-base")))
        #expect(missing.contains("missing or unreadable"), "\(missing)")
        try await tinyBase(at: baseDirectory)
        let mismatched = await message(options(base: baseDirectory, observe: .camera))
        #expect(mismatched.contains("--observe state"), "\(mismatched)")
        // Zip-tie has no residual paradigm.
        let zipTie = await message(options(base: baseDirectory), task: ImitationTask.zipTie)
        #expect(zipTie.contains("not available"), "\(zipTie)")
        // A checkpoint of another task.
        let sidecar = baseDirectory.appendingPathComponent("policy.json")
        let text = try String(contentsOf: sidecar, encoding: .utf8)
        try text.replacingOccurrences(of: "\"pin-insertion\"", with: "\"ziptie\"")
            .write(to: sidecar, atomically: true, encoding: .utf8)
        let foreign = await message(options(base: baseDirectory))
        #expect(foreign.contains("holds a ziptie policy"), "\(foreign)")
        // A residual checkpoint is not a base.
        try Data("{}".utf8).write(to: baseDirectory.appendingPathComponent(ResidualPolicy.sidecarFileName))
        let residual = await message(options(base: baseDirectory))
        #expect(residual.contains("is a residual-sac checkpoint"), "\(residual)")
        #expect(!FileManager.default.fileExists(atPath: output.path), "nothing is written for a refused run")
    }
}
