public import Enpire
public import Foundation

/// The frozen parameters of a Push-T camera reward: which camera, which resolution, and the fitted thresholds.
///
/// The decision value is the block's estimated coverage of the goal (see ``PushTFrameAnalyzer``); the task counts
/// as done when it exceeds ``threshold``. Serialised with `CanonicalJSON`, its
/// SHA-256 is the reward's ``identity``, so a frozen evaluation names exactly one set of thresholds.
public struct PushTRewardModel: Sendable, Codable, Equatable {
    /// Format tag, checked when loading.
    public var kind: String
    /// Camera whose frames are judged.
    public var cameraName: String
    /// Resolution the thresholds were calibrated at; other resolutions give `unknown`.
    public var resolution: ImageSize
    /// This camera's calibration (goal pose and colours), when known; a verdict may also be asked against another.
    public var camera: PushTCameraCalibration?
    /// Estimated coverage above which the task counts as done.
    public var threshold: Double
    /// How far above ``threshold`` an estimate must be to end an episode early (a `confirmedPass`). A station
    /// judges every frame, so a frame-level error would otherwise stop episodes a hair short of the goal; on the
    /// episode's last frame the plain threshold decides. Estimates within this margin either side of the
    /// threshold are reported as `boundary`.
    public var boundaryMargin: Double
    /// Smallest share of the frame that must look like the arena for a verdict to be formed.
    public var minimumArenaFraction: Double
    /// How many consecutive live frames must be confirmed passes (above ``threshold`` + ``boundaryMargin``)
    /// before a success ends an episode early (see ``ConfirmationStreak``). A station judges every frame, so a
    /// single outlier frame would otherwise have hundreds of chances per episode to end it short of the goal.
    /// Part of the frozen file and its hash: changing it changes the reward's identity.
    public var confirmationFrames: Int

    /// The format tag of this version (v3: live successes need ``confirmationFrames`` consecutive confirmations;
    /// v2 files, which judged each live frame alone, are refused with a message to recalibrate).
    public static let currentKind = "enpire.reward.pusht-camera.v3"

    /// Format tags of earlier versions, which this version refuses rather than reinterprets.
    public static let earlierKinds = ["enpire.reward.pusht-camera.v1", "enpire.reward.pusht-camera.v2"]

    /// The number of consecutive confirmed live frames a new model requires (chosen on the tuning seeds of
    /// Docs/Reward.md, never on the held-out seed).
    public static let defaultConfirmationFrames = 3

    /// Largest ``confirmationFrames`` a frozen model may hold (a 300-step episode could never confirm more).
    public static let maximumConfirmationFrames = 100

    /// Creates a model; the default threshold is gym-pusht's success coverage.
    public init(cameraName: String = "top", resolution: ImageSize = ImageSize(width: 640, height: 480),
                camera: PushTCameraCalibration? = nil, threshold: Double = 0.95, boundaryMargin: Double = 0.006,
                minimumArenaFraction: Double = 0.15,
                confirmationFrames: Int = PushTRewardModel.defaultConfirmationFrames) {
        self.kind = Self.currentKind
        self.cameraName = cameraName
        self.resolution = resolution
        self.camera = camera
        self.threshold = threshold
        self.boundaryMargin = boundaryMargin
        self.minimumArenaFraction = minimumArenaFraction
        self.confirmationFrames = confirmationFrames
    }

    /// Whether `features` count as success.
    public func isSuccess(_ features: PushTFrameFeatures) -> Bool { features.estimatedCoverage > threshold }

    /// The canonical JSON bytes whose hash is ``identity``.
    public func frozenJSON() throws -> Data { try CanonicalJSON.encodePretty(self) }

    /// SHA-256 of ``frozenJSON()`` in lowercase hex.
    public var identity: String { (try? SHA256.hex(frozenJSON())) ?? "unencodable" }

    /// Writes the frozen JSON to `url` and returns its hash.
    @discardableResult
    public func write(to url: URL) throws -> String {
        if let problem = validationProblem { throw RewardError.badRewardFile("refusing to freeze a model whose \(problem)") }
        let data = try frozenJSON()
        try SafeFile.write(data, to: url)
        return SHA256.hex(data)
    }

    /// Loads a frozen model, refusing it when the file's SHA-256 differs from `expectedHash` (if given).
    ///
    /// - Throws: ``RewardError/badRewardFile(_:)`` when the file is unreadable, not a Push-T reward, or changed.
    public static func load(from url: URL, expectedHash: String? = nil) throws -> PushTRewardModel {
        let data: Data
        do { data = try SafeFile.read(url, limit: maximumFileBytes) } catch {
            throw RewardError.badRewardFile("\(error)")
        }
        return try decode(data, source: url.path, expectedHash: expectedHash)
    }

    /// Decodes frozen JSON bytes, checking the hash as ``load(from:expectedHash:)`` does.
    public static func decode(_ data: Data, source: String = "data", expectedHash: String? = nil) throws
        -> PushTRewardModel
    {
        let hash = SHA256.hex(data)
        if let expectedHash, expectedHash.lowercased() != hash {
            throw RewardError.badRewardFile(
                "\(source) has SHA-256 \(hash) but \(expectedHash) was expected; the reward changed since it was "
                    + "frozen: recalibrate or restore the frozen file")
        }
        struct Kind: Decodable { var kind: String }
        if let kind = try? JSONDecoder().decode(Kind.self, from: data).kind, earlierKinds.contains(kind) {
            throw RewardError.badRewardFile(
                "\(source) has kind '\(kind)', an earlier verdict rule (each live frame judged alone); '\(currentKind)' "
                    + "ends an episode only after consecutive confirmations, so its hash differs: recalibrate with "
                    + "`enpire reward calibrate` and freeze the new file")
        }
        let model: PushTRewardModel
        do { model = try JSONDecoder().decode(PushTRewardModel.self, from: data) } catch {
            throw RewardError.badRewardFile("\(source) is not a Push-T reward model: \(ErrorMessage.oneLine(error))")
        }
        guard model.kind == currentKind else {
            throw RewardError.badRewardFile("\(source) has kind '\(model.kind)'; expected '\(currentKind)'")
        }
        if let problem = model.validationProblem {
            throw RewardError.badRewardFile("\(source): \(problem); recalibrate or restore the frozen file")
        }
        return model
    }

    /// Largest frozen reward file read (1 MiB; a frozen model is about 1 KiB).
    public static let maximumFileBytes = 1 << 20

    /// Largest ``boundaryMargin`` a frozen model may hold (coverage is a share in 0...1).
    public static let maximumBoundaryMargin = 0.5

    /// What is out of range in this model, if anything: ``threshold`` and ``minimumArenaFraction`` must be
    /// finite and in 0...1, ``boundaryMargin`` finite and in 0...``maximumBoundaryMargin``,
    /// ``confirmationFrames`` in 1...``maximumConfirmationFrames``, the resolution
    /// non-empty and within `JPEGCodec.maximumDimension` per side and `JPEGCodec.maximumPixelCount` pixels,
    /// and a camera calibration finite with three channels per colour.
    public var validationProblem: String? {
        if !(0...1).contains(threshold) { return "threshold \(threshold) is not in 0...1" }
        if !(0...Self.maximumBoundaryMargin).contains(boundaryMargin) {
            return "boundaryMargin \(boundaryMargin) is not in 0...\(Self.maximumBoundaryMargin)"
        }
        if !(1...Self.maximumConfirmationFrames).contains(confirmationFrames) {
            return "confirmationFrames \(confirmationFrames) is not in 1...\(Self.maximumConfirmationFrames)"
        }
        if !(0...1).contains(minimumArenaFraction) {
            return "minimumArenaFraction \(minimumArenaFraction) is not in 0...1"
        }
        let (width, height) = (resolution.width, resolution.height)
        guard width > 0, height > 0, width <= JPEGCodec.maximumDimension, height <= JPEGCodec.maximumDimension,
              width * height <= JPEGCodec.maximumPixelCount
        else {
            return "resolution \(width)x\(height) is empty or above \(JPEGCodec.maximumDimension) per side / "
                + "\(JPEGCodec.maximumPixelCount) pixels"
        }
        if let camera, !camera.isUsable {
            return "the camera calibration holds a non-finite value or a colour without three channels"
        }
        return nil
    }
}
