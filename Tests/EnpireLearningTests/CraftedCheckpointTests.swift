import Enpire
import EnpireTesting
import Foundation
import Testing
@testable import EnpireLearning

/// Issue 17, class 6: crafted checkpoint files are refused with an error, never a trap or a huge allocation.
@Suite("Crafted checkpoints")
struct CraftedCheckpointTests {
    /// A one-epoch checkpoint of a tiny network, written to a fresh folder.
    private func checkpoint() async throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-bc-crafted-\(UUID())")
        var configuration = BCTrainerTests.configuration
        configuration.epochs = 1
        configuration.hiddenWidths = [8]
        _ = try await BCTrainer(configuration: configuration, checkpointDirectory: directory)
            .train(on: BCTrainerTests.episodes(count: 1, steps: 10, seed: 1))
        return directory
    }

    @Test("A safetensors shape of [2^62] is refused (its byte count overflows), not a trap")
    func hugeShape() throws {
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#
        var blob = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { blob.append(contentsOf: $0) }
        blob.append(Data(header.utf8))
        blob.append(contentsOf: [0, 0, 0, 0])
        #expect(throws: SafeTensorsError.self) { _ = try SafeTensors.decode(blob) }
        // Dimensions whose product overflows are refused by the tensor too.
        #expect(throws: TensorError.self) { _ = try Tensor(shape: [1 << 40, 1 << 40, 0], scalars: []) }
    }

    @Test("A BC sidecar claiming widths [4e9, 4e9] is refused before any network is allocated")
    func hugeSidecarWidths() async throws {
        let directory = try await checkpoint()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sidecarURL = directory.appendingPathComponent(BCModel.sidecarFileName)
        var sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sidecarURL)) as? [String: Any])
        var network = try #require(sidecar["network"] as? [String: Any])
        network["hiddenWidths"] = [4_000_000_000, 4_000_000_000]
        sidecar["network"] = network
        try JSONSerialization.data(withJSONObject: sidecar).write(to: sidecarURL)
        let before = ProcessMemory.peakResidentBytes()
        #expect(throws: BCError.self) { _ = try BCModel.load(from: directory) }
        #expect(ProcessMemory.peakResidentBytes() - before < 1 << 31, "loading must not allocate the claimed network")
    }

    @Test("A replay file whose header claims capacity 2^32 - 1 of width 2^20 - 1 is refused, not allocated")
    func hugeReplayHeader() throws {
        var bytes = Array("ENPRPLY1".utf8)
        for value in [UInt64(1 << 20 - 1), UInt64(1 << 20 - 1), UInt64(1 << 32 - 1), 0, 0] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        withUnsafeBytes(of: UInt64(0xcbf2_9ce4_8422_2325).littleEndian) { bytes.append(contentsOf: $0) }  // empty payload
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replay-crafted-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        #expect(throws: RLError.self) { _ = try ReplayBuffer.load(from: url) }
    }

    @Test("A SAC sidecar claiming 10^6 critics or widths of 4e9 is refused before any network is built")
    func hugeSACSidecar() throws {
        let learner = try SoftActorCritic(observationWidth: 2, actionWidth: 1, configuration: rlFastConfiguration())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sac-crafted-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try learner.save(to: directory)
        let sidecarURL = directory.appendingPathComponent("sac.json")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sidecarURL)) as? [String: Any])
        var manyCritics = original, wide = original, hidden = original
        var configuration = try #require(original["configuration"] as? [String: Any])
        configuration["criticCount"] = 1_000_000
        manyCritics["configuration"] = configuration
        wide["observationWidth"] = 4_000_000_000
        configuration = try #require(original["configuration"] as? [String: Any])
        configuration["criticHiddenWidths"] = [60_000, 60_000]
        hidden["configuration"] = configuration
        let before = ProcessMemory.peakResidentBytes()
        for crafted in [manyCritics, wide, hidden] {
            try JSONSerialization.data(withJSONObject: crafted).write(to: sidecarURL)
            #expect(throws: (any Error).self) { _ = try SoftActorCritic.load(from: directory) }
        }
        #expect(ProcessMemory.peakResidentBytes() - before < 1 << 31)
    }

    @Test("BC load checks the weights: a NaN weight or weights changed behind the sidecar's hash are refused")
    func weightsHash() async throws {
        let directory = try await checkpoint()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try BCModel.load(from: directory)
        let weightsURL = directory.appendingPathComponent(BCModel.weightsFileName)
        let original = try SafeTensors.read(from: weightsURL)
        let name = try #require(original.tensors.keys.sorted().first)
        for value in [Float.nan, 0.125] {
            var tensors = original.tensors
            tensors[name]?.scalars[0] = value
            try SafeTensors.encode(tensors, metadata: original.metadata).write(to: weightsURL)
            #expect(throws: BCError.self, "weight \(value)") { _ = try BCModel.load(from: directory) }
        }
    }
}
