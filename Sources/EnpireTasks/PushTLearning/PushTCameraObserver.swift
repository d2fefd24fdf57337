public import Enpire
public import EnpireReward
public import EnpireSim
import Foundation

/// Estimates the Push-T block pose on the table from one top-down camera frame, as a real station would: the
/// camera is calibrated once from a frame of the goal marking (no block on it), and every later frame is measured
/// by `PushTFrameAnalyzer` (sub-pixel pose of the block relative to the goal marking), then mapped into table
/// coordinates through the goal's known pose. No simulator state is read.
public struct PushTCameraObserver: Sendable {
    /// Name of the camera whose frames are measured.
    public let cameraName: String
    /// The camera's calibration (goal marking pose in the image, colours).
    public let calibration: PushTCameraCalibration
    private let measurer: PushTCameraReward

    /// Creates an observer for a camera of `resolution` calibrated from `reference`, a frame of the goal marking.
    public init(cameraName: String, resolution: ImageSize, reference: Frame) throws {
        let measurer = PushTCameraReward(model: PushTRewardModel(cameraName: cameraName, resolution: resolution))
        self.cameraName = cameraName
        self.calibration = try measurer.calibration(from: reference)
        self.measurer = measurer
    }

    private init(cameraName: String, calibration: PushTCameraCalibration, measurer: PushTCameraReward) {
        self.cameraName = cameraName
        self.calibration = calibration
        self.measurer = measurer
    }

    /// Largest relative change of the goal marking's image scale a re-registration accepts: a larger one means
    /// the block or the pusher hides part of the marking (a smaller visible area), not a zoom.
    public static let registrationScaleTolerance = 0.03
    /// Largest shift (fraction of the frame's shorter side) and rotation (radians) a re-registration accepts.
    public static let registrationShiftTolerance = 0.05, registrationRotationTolerance = 0.1

    /// This observer with the goal marking's image pose measured again in `frame` (a frame of the scene as it
    /// is, block and pusher included), so that a camera bumped, turned or zoomed since the calibration photo
    /// maps the block into table coordinates as before. The colours stay the calibration's.
    ///
    /// Returns nil, keeping the calibration, when the marking cannot be measured in `frame` or the measurement
    /// departs from the calibration by more than the tolerances above (part of the marking hidden, or another
    /// scene).
    public func registered(to frame: Frame) -> PushTCameraObserver? {
        guard let new = try? measurer.registeredGoal(in: frame, calibration: calibration) else { return nil }
        let old = calibration.goal
        let side = Double(min(measurer.model.resolution.width, measurer.model.resolution.height))
        guard abs(new.scale / old.scale - 1) <= Self.registrationScaleTolerance,
              abs(new.x - old.x) <= Self.registrationShiftTolerance * side,
              abs(new.y - old.y) <= Self.registrationShiftTolerance * side,
              abs(remainder(new.angle - old.angle, 2 * Double.pi)) <= Self.registrationRotationTolerance
        else { return nil }
        var calibration = self.calibration
        calibration.goal = new
        return PushTCameraObserver(cameraName: cameraName, calibration: calibration, measurer: measurer)
    }

    /// Creates the observer of a simulated camera: the reference frame is rendered with the camera's own noise
    /// model (pose, lighting and sensor noise), the way a lab takes a calibration photo of its table.
    public static func simulated(cameraName: String = "top", resolution: ImageSize = ImageSize(width: 640, height: 480),
                                 noise: CameraNoise) throws -> PushTCameraObserver {
        var renderer = try PushTRenderer(outputSize: resolution, noise: noise)
        let reference = renderer.render(PushTLabelledFrames.referenceState, frameIndex: 0)
        return try PushTCameraObserver(cameraName: cameraName, resolution: resolution,
                                       reference: Frame(cameraName: cameraName, timestampSeconds: 0, image: reference))
    }

    /// The block pose in table coordinates measured in `frame`.
    ///
    /// - Throws: ``PushTObservationError/blockNotSeen(_:)`` when the frame cannot be measured or shows too little of
    ///   the block.
    public func block(in frame: Frame) throws -> PushTObservedBlock {
        let features: PushTFrameFeatures
        do {
            features = try measurer.features(of: frame, calibration: calibration)
        } catch {
            throw PushTObservationError.blockNotSeen("camera '\(cameraName)': \(error)")
        }
        guard let pose = features.block, features.blockAreaRatio > 0.5 else {
            throw PushTObservationError.blockNotSeen(
                "camera '\(cameraName)' sees too little of the block (area ratio \(features.blockAreaRatio))")
        }
        return Self.tablePose(of: pose, goal: calibration.goal)
    }

    /// Centre (table coordinates) of whatever part of the block `frame` shows, even when too little of it is seen
    /// for ``block(in:)``; nil when nothing of the block is measured.
    public func visibleBlockCentre(in frame: Frame) -> SIMD2<Double>? {
        guard let features = try? measurer.features(of: frame, calibration: calibration), let pose = features.block
        else { return nil }
        let table = Self.tablePose(of: pose, goal: calibration.goal)
        return SIMD2(table.x, table.y)
    }

    /// Maps an image pose into table coordinates through the goal marking's image pose.
    static func tablePose(of pose: PushTImagePose, goal: PushTImagePose) -> PushTObservedBlock {
        let dx = pose.x - goal.x, dy = pose.y - goal.y
        let c = cos(goal.angle), s = sin(goal.angle)
        let lx = (c * dx + s * dy) / goal.scale, ly = (-s * dx + c * dy) / goal.scale
        let world = PushTGeometry.goalPose
        let gc = cos(world.angle), gs = sin(world.angle)
        return PushTObservedBlock(x: world.x + gc * lx - gs * ly, y: world.y + gs * lx + gc * ly,
                                  angle: world.angle + remainder(pose.angle - goal.angle, 2 * Double.pi))
    }
}

/// Errors observing the Push-T scene.
public enum PushTObservationError: Error, Equatable, CustomStringConvertible {
    /// The camera frame is missing or the block cannot be measured in it.
    case blockNotSeen(String)
    /// The observation lacks what the chosen observation mode needs.
    case missing(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .blockNotSeen(let detail): return "block not seen: \(detail)"
        case .missing(let detail): return "observation incomplete: \(detail)"
        }
    }
}

extension PushTObservationError {
    /// Throws ``missing(_:)`` when `mode` is ``ObservationMode/camera`` and there is no observer to read frames.
    static func checkObserver(_ observer: PushTCameraObserver?, for mode: ObservationMode) throws(Self) {
        if mode == .camera, observer == nil {
            throw .missing("camera mode needs a calibrated PushTCameraObserver")
        }
    }
}
