import Enpire
import EnpireReward
import EnpireRewardLearning

/// Learned success classifier latency on one thread: decode the region of interest of a 640x480 JPEG frame into a
/// reused buffer, box-average it, run the network (or the ensemble's networks): the path
/// `ClassifierReward.verdict(for:)` takes, without its lock and verdict formatting. ``wholeFrame`` decodes the
/// whole frame instead (the path before region decoding, for comparison).
///
/// The weights are the recipe's freshly initialised ones: a forward pass does the same work whatever the weights,
/// so no training is needed to time it. The frames are Push-T camera frames (``RewardWorkload``); the zip-tie
/// geometry crops them the way the zip-tie model crops its camera, which costs the same pixels.
public final class ClassifierWorkload {
    /// The two model geometries of Docs/Reward.md's latency table.
    public enum Geometry: String, CaseIterable, Sendable {
        /// Push-T: a 224×224 crop around the goal, a 64×64 input, spatial softmax.
        case pusht
        /// Zip-tie: a 400×256 crop, a 96×96 input, global max pooling.
        case ziptie
        /// Zip-tie as the kept camera-label models are built (Docs/Reward.md): a 300×300 crop, a 128×128 input,
        /// global max pooling.
        case ziptieSquare
    }

    /// The classifier being timed.
    public let classifier: SuccessClassifier
    private let frames: [[UInt8]]
    private let codec: JPEGCodec
    private var image = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
    private var next = 0
    /// The last probability, kept so the work cannot be optimised away.
    public private(set) var lastProbability = 0.0
    /// Decode the whole frame and crop it, instead of decoding the region alone.
    public var wholeFrame = false

    /// A classifier of `geometry` with `folds` networks over `frames` (640x480 JPEG bytes).
    public init(geometry: Geometry, folds: Int, frames: [[UInt8]]) throws {
        let resolution = ImageSize(width: 640, height: 480)
        let input: ClassifierInput
        var recipe = ClassifierRecipe(folds: folds)
        switch geometry {
        case .pusht:
            input = try ClassifierInput(resolution: resolution, region: RegionOfInterest(x: 208, y: 128, width: 224,
                                                                                        height: 224), side: 64)
        case .ziptie:
            input = try ClassifierInput(resolution: resolution, region: RegionOfInterest(x: 160, y: 96, width: 400,
                                                                                        height: 256), side: 96)
            recipe.pooling = .globalMax
        case .ziptieSquare:
            input = try ClassifierInput(resolution: resolution, region: RegionOfInterest(x: 180, y: 60, width: 300,
                                                                                        height: 300), side: 128)
            recipe.pooling = .globalMax
        }
        classifier = try SuccessClassifier(input: input, recipe: recipe)
        self.frames = frames
        codec = try JPEGCodec()
    }

    /// Decodes the next frame and runs the classifier on it; returns the seconds it took.
    @discardableResult
    public func judgeNext() -> Double {
        let bytes = frames[next % frames.count]
        next += 1
        let start = ContinuousClock.now
        do {
            if wholeFrame {
                try codec.decode(bytes, into: &image, expected: classifier.input.resolution)
                lastProbability = try classifier.probability(of: image)
            } else {
                let region = classifier.input.region
                try codec.decode(bytes, window: (region.x, region.y, region.width, region.height),
                                 of: classifier.input.resolution, into: &image)
                lastProbability = try classifier.probability(ofWindow: image)
            }
        } catch {
            lastProbability = .nan
        }
        return (ContinuousClock.now - start).inSeconds
    }
}
