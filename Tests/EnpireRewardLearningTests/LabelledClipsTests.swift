import Enpire
import EnpireReward
import EnpireRewardLearning
import Foundation
import Testing

@Suite("Labelled clips folder")
struct LabelledClipsTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clips-\(UUID().uuidString)")
        for name in ["success", "failure"] {
            try FileManager.default.createDirectory(at: url.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        return url
    }

    static func write(_ image: RGBImage, to url: URL, png: Bool = false) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let bytes = png ? try PNGEncoder.encode(image) : try JPEGCodec().encode(image, quality: 90)
        try Data(bytes).write(to: url)
    }

    @Test("reads single-frame clips and clip folders (JPEG and PNG); a clip under both labels is one clip")
    func readsLayout() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        var rng = SplitMix64(seed: 1)
        try Self.write(SyntheticClips.image(success: true, rng: &rng), to: root.appendingPathComponent("success/a.jpg"))
        try Self.write(SyntheticClips.image(success: true, rng: &rng), to: root.appendingPathComponent("success/ep1/f01.png"), png: true)
        try Self.write(SyntheticClips.image(success: false, rng: &rng), to: root.appendingPathComponent("failure/ep1/f00.jpg"))
        try Self.write(SyntheticClips.image(success: false, rng: &rng), to: root.appendingPathComponent("failure/b.JPEG"))
        try Data("ignored".utf8).write(to: root.appendingPathComponent("failure/notes.txt"))
        let contents = try LabelledClips.load(from: root, side: 16)
        #expect(contents.examples.count == 4 && contents.clips == 3)
        #expect(contents.successFrames == 2 && contents.failureFrames == 2)
        #expect(contents.input.resolution == SyntheticClips.size)
        #expect(contents.examples.filter { $0.clip == "ep1" }.count == 2)
    }

    @Test("clear errors: missing class folder, no frames, one outcome, unreadable image, another size")
    func badInput() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: ClassifierError.self) { try LabelledClips.load(from: root.appendingPathComponent("none")) }
        #expect(throws: ClassifierError.self) { try LabelledClips.load(from: root) }
        var rng = SplitMix64(seed: 2)
        try Self.write(SyntheticClips.image(success: true, rng: &rng), to: root.appendingPathComponent("success/a.jpg"))
        #expect(throws: ClassifierError.self) { try LabelledClips.load(from: root, side: 16) }
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: root.appendingPathComponent("failure/broken.jpg"))
        do {
            _ = try LabelledClips.load(from: root, side: 16)
            Issue.record("a corrupt JPEG was accepted")
        } catch {
            #expect(error.description.contains("broken.jpg"))
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("failure/broken.jpg"))
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).write(to: root.appendingPathComponent("failure/cut.png"))
        #expect(throws: ClassifierError.self) { try LabelledClips.load(from: root, side: 16) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("failure/cut.png"))
        try Self.write(RGBImage(size: ImageSize(width: 80, height: 48), fill: (9, 9, 9)),
                       to: root.appendingPathComponent("failure/big.jpg"))
        do {
            _ = try LabelledClips.load(from: root, side: 16)
            Issue.record("a frame of another size was accepted")
        } catch {
            #expect(error.description.contains("80x48"))
        }
    }

    @Test("a crop smaller than the input or outside the frame is refused")
    func badCrop() {
        #expect(throws: ClassifierError.self) {
            try ClassifierInput(resolution: ImageSize(width: 64, height: 48),
                                region: RegionOfInterest(x: 60, y: 0, width: 40, height: 40), side: 16)
        }
        #expect(throws: ClassifierError.self) { try ClassifierInput(resolution: ImageSize(width: 64, height: 48), side: 4) }
    }
}
