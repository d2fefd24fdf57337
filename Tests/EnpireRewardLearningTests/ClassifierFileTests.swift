import Enpire
import EnpireReward
import EnpireLearning
import EnpireRewardLearning
import Foundation
import Testing

/// A frozen classifier's two files: the hash pins them, and crafted or corrupt ones are refused.
@Suite("Frozen success classifier files")
struct ClassifierFileTests {
    /// A classifier trained on the synthetic set and frozen into a new temporary folder (the caller removes it).
    static func frozenSyntheticModel() throws -> URL {
        let (classifier, report, _) = try SuccessClassifierTests.trained()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        _ = try ClassifierModel.freeze(classifier, report: report, task: "synthetic", cameraName: "top", to: folder)
        return folder
    }

    @Test("freezing: the sidecar's hash is the identity; a different expected hash or changed weights are refused")
    func freezeAndHash() throws {
        let (classifier, report, _) = try SuccessClassifierTests.trained()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ClassifierModel.freeze(classifier, report: report, task: "synthetic", cameraName: "top", to: folder)
        let sidecar = try Data(contentsOf: folder.appendingPathComponent(ClassifierModel.sidecarName))
        #expect(model.identity == SHA256.hex(sidecar))
        let loaded = try ClassifierModel.load(from: folder, expectedHash: model.identity)
        var rng = SplitMix64(seed: 5)
        let image = SyntheticClips.image(success: true, rng: &rng)
        #expect(try loaded.classifier.probability(of: image) == classifier.probability(of: image))
        #expect(throws: ClassifierError.self) {
            try ClassifierModel.load(from: folder, expectedHash: String(repeating: "0", count: 64))
        }
        // Flip one byte of the weights: the sidecar's weight hash no longer matches.
        let weightsURL = folder.appendingPathComponent(ClassifierModel.weightsName)
        var weights = try Data(contentsOf: weightsURL)
        weights[weights.count - 1] ^= 0xFF
        try weights.write(to: weightsURL)
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
    }

    @Test("crafted or corrupt files are refused with an error, never a crash")
    func corruptFiles() throws {
        let folder = try Self.frozenSyntheticModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sidecarURL = folder.appendingPathComponent(ClassifierModel.sidecarName)
        let good = try Data(contentsOf: sidecarURL)
        let text = String(decoding: good, as: UTF8.self)
        let crafted = [Data(), Data("{".utf8), Data(good.prefix(good.count / 2)),
                       Data(text.replacingOccurrences(of: ClassifierModel.currentFormat, with: "enpire.other").utf8),
                       Data(text.replacingOccurrences(of: "\"side\" : 24", with: "\"side\" : 4000").utf8)]
        for bytes in crafted {
            try bytes.write(to: sidecarURL)
            #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
        }
        try good.write(to: sidecarURL)
        // Weights that are not safetensors, with the sidecar still naming the old hash: refused on the hash.
        try Data("not safetensors".utf8).write(to: folder.appendingPathComponent(ClassifierModel.weightsName))
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder.appendingPathComponent("missing")) }
    }

    @Test("a FIFO or folder in place of a model file or a clip frame is refused at once, not read until it ends",
          .timeLimit(.minutes(1)))
    func specialFiles() throws {
        let folder = try Self.frozenSyntheticModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sidecarURL = folder.appendingPathComponent(ClassifierModel.sidecarName)
        try FileManager.default.removeItem(at: sidecarURL)
        try #require(mkfifo(sidecarURL.path, 0o600) == 0)
        let error = #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("not a regular file"))

        let frame = folder.appendingPathComponent("frame.jpg")
        try #require(mkfifo(frame.path, 0o600) == 0)
        #expect(throws: ClassifierError.self) { _ = try LabelledClips.decode(frame, codec: try JPEGCodec()) }
        let directory = folder.appendingPathComponent("frame-folder.jpg")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        #expect(throws: ClassifierError.self) { _ = try LabelledClips.decode(directory, codec: try JPEGCodec()) }
    }
}
