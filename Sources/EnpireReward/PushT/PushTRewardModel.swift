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

    /// The format tag of this version.
    public static let currentKind = "enpire.reward.pusht-camera.v2"

    /// Creates a model; the default threshold is gym-pusht's success coverage.
    public init(cameraName: String = "top", resolution: ImageSize = ImageSize(width: 640, height: 480),
                camera: PushTCameraCalibration? = nil, threshold: Double = 0.95, boundaryMargin: Double = 0.006,
                minimumArenaFraction: Double = 0.15) {
        self.kind = Self.currentKind
        self.cameraName = cameraName
        self.resolution = resolution
        self.camera = camera
        self.threshold = threshold
        self.boundaryMargin = boundaryMargin
        self.minimumArenaFraction = minimumArenaFraction
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
        let data = try frozenJSON()
        try data.write(to: url, options: .atomic)
        return SHA256.hex(data)
    }

    /// Loads a frozen model, refusing it when the file's SHA-256 differs from `expectedHash` (if given).
    ///
    /// - Throws: ``RewardError/badRewardFile(_:)`` when the file is unreadable, not a Push-T reward, or changed.
    public static func load(from url: URL, expectedHash: String? = nil) throws -> PushTRewardModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RewardError.badRewardFile("cannot read \(url.path): \(error.localizedDescription)")
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
        let model: PushTRewardModel
        do { model = try JSONDecoder().decode(PushTRewardModel.self, from: data) } catch {
            throw RewardError.badRewardFile("\(source) is not a Push-T reward model: \(error)")
        }
        guard model.kind == currentKind else {
            throw RewardError.badRewardFile("\(source) has kind '\(model.kind)'; expected '\(currentKind)'")
        }
        guard model.threshold.isFinite, model.boundaryMargin.isFinite,
              model.resolution.width > 0, model.resolution.height > 0
        else { throw RewardError.badRewardFile("\(source) holds non-finite thresholds or an empty resolution") }
        return model
    }
}
