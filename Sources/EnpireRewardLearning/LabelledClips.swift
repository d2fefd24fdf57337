public import Enpire
public import EnpireReward
public import Foundation

/// A folder of labelled clips a lab fills by hand (or `enpire reward train-classifier --generate` fills from a
/// simulator), read into ``ClassifierExample``s.
///
/// Layout: `DIR/success/` and `DIR/failure/`. In each, an image file (`.jpg`, `.jpeg`, `.png`) is a clip of one
/// frame, and a sub-folder is a clip whose image files are all frames of that outcome. A clip is named by its
/// file's base name or its folder's name, so `success/ep12/` and `failure/ep12/` are one clip (an episode whose
/// early frames failed and later ones succeeded) and the split keeps them together. Every image must have the
/// size of the first one read. Other files are ignored; hidden files are skipped.
public enum LabelledClips {
    /// The image extensions read (lower case).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]
    /// Largest image file read (bytes).
    public static let maximumFileBytes = 32 << 20

    /// What was read.
    public struct Contents: Sendable {
        /// The input description (resolution from the first image, the given crop and side).
        public var input: ClassifierInput
        /// The examples, in file order.
        public var examples: [ClassifierExample]
        /// Distinct clips.
        public var clips: Int
        /// Frames labelled success and failure.
        public var successFrames: Int, failureFrames: Int
    }

    /// Reads `folder`, cropping every frame with `region` (nil: the whole frame) to `side` × `side`.
    ///
    /// Memory is bounded by `maximumFrames` (only the downsampled inputs are kept, 12·side² bytes each).
    ///
    /// - Throws: ``ClassifierError/badClips(_:)`` for a missing class folder, no frames, one outcome only or more
    ///   than `maximumFrames` frames; ``ClassifierError/badImage(_:)`` naming a file that cannot be decoded or has
    ///   another size than the first.
    public static func load(from folder: URL, region: RegionOfInterest? = nil, side: Int = 64,
                            maximumFrames: Int = 10_000) throws(ClassifierError) -> Contents {
        var files: [(url: URL, success: Bool, clip: String)] = []
        for (name, success) in [("success", true), ("failure", false)] {
            let classFolder = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: classFolder.path, isDirectory: &isFolder), isFolder.boolValue
            else {
                throw .badClips("\(classFolder.path) is missing; put success frames in DIR/success/ and failure "
                    + "frames in DIR/failure/ (one image per clip, or one sub-folder of images per clip)")
            }
            for entry in try entries(classFolder) {
                if try isDirectory(entry) {
                    for file in try entries(entry) where isImage(file) {
                        files.append((file, success, entry.lastPathComponent))
                    }
                } else if isImage(entry) {
                    files.append((entry, success, entry.deletingPathExtension().lastPathComponent))
                }
            }
        }
        guard !files.isEmpty else { throw .badClips("no .jpg, .jpeg or .png frames under \(folder.path)") }
        guard files.count <= maximumFrames else {
            throw .badClips("\(files.count) frames under \(folder.path), above the limit of \(maximumFrames); "
                + "use fewer frames per clip")
        }
        guard files.contains(where: \.success), files.contains(where: { !$0.success }) else {
            throw .badClips("only \(files[0].success ? "success" : "failure") frames under \(folder.path); "
                + "both outcomes are needed")
        }
        let codec: JPEGCodec
        do { codec = try JPEGCodec() } catch { throw .badImage("cannot start the JPEG decoder: \(error)") }
        var input: ClassifierInput?
        var examples: [ClassifierExample] = []
        examples.reserveCapacity(files.count)
        for file in files {
            let image = try decode(file.url, codec: codec)
            if input == nil { input = try ClassifierInput(resolution: image.size, region: region, side: side) }
            guard let input, image.size == input.resolution else {
                throw .badImage("\(file.url.path) is \(image.size.width)x\(image.size.height) but the first frame was "
                    + "\(input!.resolution.width)x\(input!.resolution.height); all frames must come from one camera "
                    + "at one resolution")
            }
            examples.append(ClassifierExample(features: try input.features(of: image), success: file.success,
                                              clip: file.clip))
        }
        return Contents(input: input!, examples: examples, clips: Set(files.map(\.clip)).count,
                        successFrames: files.filter(\.success).count, failureFrames: files.filter { !$0.success }.count)
    }

    /// Decodes one image file (JPEG or PNG, told apart by their first bytes).
    public static func decode(_ url: URL, codec: JPEGCodec) throws(ClassifierError) -> RGBImage {
        let data: Data
        do { data = try SafeFile.read(url, limit: maximumFileBytes) } catch { throw .badImage(error.description) }
        let bytes = [UInt8](data)
        if bytes.starts(with: PNGReading.signature) {
            do { return try PNGReading.decode(bytes) } catch {
                throw .badImage("\(url.path): \(error)")
            }
        }
        do {
            return try codec.decode(bytes)
        } catch {
            throw .badImage("\(url.path) is neither a readable JPEG nor a PNG: \(error)")
        }
    }

    private static func isImage(_ url: URL) -> Bool {
        imageExtensions.contains(url.pathExtension.lowercased())
    }

    private static func isDirectory(_ url: URL) throws(ClassifierError) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
    }

    private static func entries(_ folder: URL) throws(ClassifierError) -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil,
                                                               options: [.skipsHiddenFiles])
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw .badClips("cannot list \(folder.path): \(error.localizedDescription)")
        }
    }
}
