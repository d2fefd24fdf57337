import Enpire
import EnpireTasks
import Foundation
import Testing

/// `enpire learn --paradigm station-residual-sac` and `enpire policy eval --on-station`: refusals (the runs
/// themselves are measured in Docs/Learning.md; a station episode renders and judges a camera frame per step).
@Suite("Residual SAC through a station")
struct StationResidualSACTests {
    private func message(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "no error"
        } catch { return "\(error)" }
    }

    @Test("station-residual-sac is offered for pin insertion only, on camera observations, with a base")
    func refusals() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-station-rl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        #expect(ImitationTask.pinInsertion.paradigms.contains("station-residual-sac"))
        #expect(!ImitationTask.zipTie.paradigms.contains("station-residual-sac"))
        func options(observe: ObservationMode, base: URL? = nil) -> LearnOptions {
            LearnOptions(paradigm: "station-residual-sac", observe: observe, output: output, demonstrations: 1,
                         daggerRounds: 1, episodesPerRound: 1, devSeeds: 1, hiddenWidths: [16], base: base)
        }
        let state = await message { _ = try await ImitationTask.pinInsertion.learn(options(observe: .state)) { _ in } }
        #expect(state.contains("--observe camera"), "\(state)")
        let noBase = await message { _ = try await ImitationTask.pinInsertion.learn(options(observe: .camera)) { _ in } }
        #expect(noBase.contains("station-residual-sac needs --base"), "\(noBase)")
        let zipTie = await message { _ = try await ImitationTask.zipTie.learn(options(observe: .camera)) { _ in } }
        #expect(zipTie.contains("not available"), "\(zipTie)")
        let evaluation = await message {
            _ = try await ImitationTask.zipTie.evaluateOnStation(policyDirectory: output, firstSeed: 1, episodes: 1) { _ in }
        }
        #expect(evaluation.contains("no station evaluation"), "\(evaluation)")
        #expect(!FileManager.default.fileExists(atPath: output.path), "nothing is written for a refused run")
    }
}
