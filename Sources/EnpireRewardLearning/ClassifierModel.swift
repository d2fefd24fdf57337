import Enpire
import EnpireLearning
public import Foundation

/// A frozen success classifier: a JSON sidecar (format, camera, crop, input size, threshold, recipe, training
/// report, the weights' SHA-256) next to the weights in safetensors.
///
/// The sidecar names the weights' hash, so the sidecar's own SHA-256 pins both files: it is the reward's
/// `identity`. ``load(from:expectedHash:)`` refuses a sidecar whose hash differs from the expected one and weights
/// whose hash differs from the sidecar's.
public struct ClassifierModel: Sendable, Codable, Equatable {
    /// The format this version writes and reads.
    public static let currentFormat = "enpire.reward.success-classifier.v1"
    /// File name of the sidecar inside a classifier folder.
    public static let sidecarName = "classifier.json"
    /// File name of the weights inside a classifier folder.
    public static let weightsName = "classifier.safetensors"
    /// Largest sidecar read (bytes).
    public static let maximumSidecarBytes = 1 << 20
    /// Largest weights file read (bytes).
    public static let maximumWeightsBytes = 64 << 20

    /// Format identifier (``currentFormat``).
    public var format: String
    /// The task the clips showed (informational: `pusht`, `pin`, `ziptie` or a lab's own name).
    public var task: String
    /// The camera whose frames the reward judges.
    public var cameraName: String
    /// Frame size, crop and input size.
    public var input: ClassifierInput
    /// How the network was built and trained.
    public var recipe: ClassifierRecipe
    /// P(success) above this is a success.
    public var threshold: Double
    /// Half-width of the band around the threshold reported as `boundary`.
    public var boundaryMargin: Double
    /// What training measured.
    public var training: ClassifierTrainer.Report
    /// SHA-256 (hex) of the weights file.
    public var weightsSHA256: String

    /// Creates a model description (normally through ``freeze(_:report:task:cameraName:to:)``).
    public init(task: String, cameraName: String, input: ClassifierInput, recipe: ClassifierRecipe, threshold: Double,
                boundaryMargin: Double = 0.05, training: ClassifierTrainer.Report, weightsSHA256: String) {
        format = Self.currentFormat
        self.task = task
        self.cameraName = cameraName
        self.input = input
        self.recipe = recipe
        self.threshold = threshold
        self.boundaryMargin = boundaryMargin
        self.training = training
        self.weightsSHA256 = weightsSHA256
    }

    /// The sidecar's canonical bytes (pretty JSON, sorted keys).
    public func sidecarJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// SHA-256 of ``sidecarJSON()``: the reward's identity.
    public var identity: String { (try? SHA256.hex(sidecarJSON())) ?? "unencodable" }

    /// Writes a trained classifier's weights and sidecar into `folder` (created if needed) and returns the
    /// frozen model; its ``identity`` is the hash to pass to ``load(from:expectedHash:)``.
    public static func freeze(_ classifier: SuccessClassifier, report: ClassifierTrainer.Report, task: String,
                              cameraName: String, to folder: URL) throws -> ClassifierModel {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let weights = try SafeTensors.encode(classifier.stateDictionary(),
                                             metadata: ["format": currentFormat])
        try weights.write(to: folder.appendingPathComponent(weightsName), options: .atomic)
        let model = ClassifierModel(task: task, cameraName: cameraName, input: classifier.input,
                                    recipe: classifier.recipe, threshold: report.threshold, training: report,
                                    weightsSHA256: SHA256.hex(weights))
        try model.sidecarJSON().write(to: folder.appendingPathComponent(sidecarName), options: .atomic)
        return model
    }

    /// Loads a frozen classifier from `folder`, refusing it when the sidecar's SHA-256 differs from
    /// `expectedHash` (if given), when the weights' hash differs from the sidecar's, or when either file is
    /// malformed.
    ///
    /// - Throws: ``ClassifierError/badClassifierFile(_:)`` naming the file and what is wrong.
    public static func load(from folder: URL, expectedHash: String? = nil) throws(ClassifierError)
        -> (model: ClassifierModel, classifier: SuccessClassifier) {
        let sidecarURL = folder.appendingPathComponent(sidecarName)
        let sidecar = try read(sidecarURL, limit: maximumSidecarBytes)
        let hash = SHA256.hex(sidecar)
        if let expectedHash, expectedHash.lowercased() != hash {
            throw .badClassifierFile("\(sidecarURL.path) has SHA-256 \(hash) but \(expectedHash) was expected; the "
                + "classifier changed since it was frozen")
        }
        let model: ClassifierModel
        do {
            model = try JSONDecoder().decode(ClassifierModel.self, from: sidecar)
        } catch {
            throw .badClassifierFile("\(sidecarURL.path) is not a classifier sidecar: \(error)")
        }
        guard model.format == currentFormat else {
            throw .badClassifierFile("\(sidecarURL.path) has format '\(model.format)'; this version reads "
                + "'\(currentFormat)': retrain the classifier")
        }
        guard model.threshold.isFinite, model.boundaryMargin.isFinite, model.boundaryMargin >= 0 else {
            throw .badClassifierFile("\(sidecarURL.path) has a non-finite threshold or margin")
        }
        let input = try ClassifierInput(resolution: model.input.resolution, region: model.input.region,
                                        side: model.input.side)
        guard input == model.input else {
            throw .badClassifierFile("\(sidecarURL.path)'s crop lies outside its frame size")
        }
        let weightsURL = folder.appendingPathComponent(weightsName)
        let weights = try read(weightsURL, limit: maximumWeightsBytes)
        let weightsHash = SHA256.hex(weights)
        guard weightsHash == model.weightsSHA256.lowercased() else {
            throw .badClassifierFile("\(weightsURL.path) has SHA-256 \(weightsHash) but its sidecar names "
                + "\(model.weightsSHA256); the weights changed since they were frozen")
        }
        let classifier = try SuccessClassifier(input: input, recipe: model.recipe)
        do {
            let tensors = try SafeTensors.decode(weights).tensors
            try classifier.load(stateDictionary: tensors)
        } catch {
            throw .badClassifierFile("\(weightsURL.path) does not fit the network of its sidecar: \(error)")
        }
        return (model, classifier)
    }

    private static func read(_ url: URL, limit: Int) throws(ClassifierError) -> Data {
        // A regular file within the limit only: a FIFO in the model folder would block a size-then-read forever.
        do { return try SafeFile.read(url, limit: limit) } catch { throw .badClassifierFile(error.description) }
    }
}
