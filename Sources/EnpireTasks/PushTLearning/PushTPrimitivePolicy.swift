public import Enpire
import EnpireSim
import Foundation
import Synchronization

/// A learned Push-T policy: at each decision point the trained selector (``PushTPrimitiveModel``) picks one push
/// primitive from what the station observes, and a scripted executor runs it (travel to the chosen contact on
/// the T, push, settle) from geometry alone; when the primitive is used up it decides again.
///
/// What it reads: with ``ObservationMode/camera``, the block pose measured in the station's camera frame by a
/// ``PushTCameraObserver`` and the pusher's own position and velocity (the arm state); with
/// ``ObservationMode/state``, the simulator's exact `"pusht.state"` feature (privileged, for comparison). It never
/// runs the simulator.
public struct PushTPrimitivePolicy: Policy {
    /// The trained selector.
    public let model: PushTPrimitiveModel
    /// What the policy reads.
    public let mode: ObservationMode
    /// The camera measurement (required in camera mode).
    public let observer: PushTCameraObserver?
    /// Camera mode: measure the goal marking again in each episode, in the first decision frame where enough of
    /// it is visible (``PushTCameraObserver/registered(to:)``), and use that registration for the rest of the
    /// episode, so that a camera moved since its calibration photo does not shift every block estimate. Off by
    /// default (the published figures calibrate once).
    public var registersEachEpisode = false
    private var episodeObserver: PushTCameraObserver?
    /// Hold the primitive's last target until the pusher is within ``arrivalTolerance`` of it (or for at most
    /// `PushTArrivalWait.maximumSteps` steps) before deciding again, reading only the arm's own position: a slow or
    /// lagging pusher then ends its push before the next decision sees the scene. Off by default (the published
    /// figures decide as soon as a primitive's targets are used up).
    public var waitsForArrival = false
    /// Distance from the last target (table pixels) at which the pusher counts as arrived.
    public static let arrivalTolerance = 3.0
    private var arrival = PushTArrivalWait()
    private let executor: PushTPushPlanner
    private var queue: [SIMD2<Double>] = []
    private var position = 0
    /// Decisions taken in the current episode.
    public private(set) var decisions = 0
    /// When set, the policy raises it on the step before each decision and lowers it after, so a triggered camera
    /// takes only the frames the policy reads.
    public var frameRequest: PushTFrameRequest?
    /// When set, decisions sample from the softmax of the selector's scores and are logged there (reinforcement
    /// learning); nil (default): the best-scored primitive, deterministic.
    public var exploration: PushTSelectorExploration?
    private var step = 0
    /// At a decision point, when the goal coverage of the block as observed (geometry on the camera's estimate, or
    /// on the state in state mode) is at least this, hold the pusher where it is instead of starting a primitive,
    /// for at most ``maximumHeldSteps`` steps in a row, so a camera reward that needs consecutive confirming frames
    /// sees the block at rest. nil (default, the published figures): never hold.
    public var holdsWhenCovered: Double?
    /// Longest run of held steps before the policy decides again.
    public static let maximumHeldSteps = 10
    private var heldSteps = 0
    /// Camera mode: when a decision frame shows too little of the block to measure it (typically the pusher lying
    /// over it, as some gym-pusht start states put it), move the pusher ``asideDistance`` away from the part of the
    /// block that is seen (toward the table's centre when none is) and look again, at most ``maximumAsideSteps``
    /// times in a row, instead of ending the episode with the error. Off by default (the published figures end
    /// such episodes as failures).
    public var movesAsideWhenHidden = false
    /// How far one step aside moves the pusher target (table pixels).
    public static let asideDistance = 30.0
    /// Longest run of steps aside before the policy gives up with the observation error.
    public static let maximumAsideSteps = 5
    private var asideSteps = 0

    /// Creates the policy; camera mode needs an observer.
    public init(model: PushTPrimitiveModel, mode: ObservationMode, observer: PushTCameraObserver? = nil) throws {
        try PushTObservationError.checkObserver(observer, for: mode)
        self.model = model
        self.mode = mode
        self.observer = observer
        executor = PushTPushPlanner(parameters: model.library)
    }

    /// `"pusht-primitive-mlp@<hash prefix>/<mode>"`.
    public var name: String { "pusht-primitive-mlp@\(model.weightsHash.prefix(8))/\(mode.rawValue)" }

    /// Forgets the current primitive.
    public mutating func reset() {
        queue.removeAll()
        position = 0
        decisions = 0
        step = 0
        heldSteps = 0
        asideSteps = 0
        arrival.reset()
        episodeObserver = nil
        frameRequest?.set(true)
    }

    /// The next pusher target.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        let pusher = try PushTPusher(observation)
        let agent = pusher.position
        defer { step += 1 }
        if waitsForArrival, position >= queue.count, let last = queue.last,
           arrival.holds(agent: agent, last: last, tolerance: Self.arrivalTolerance) {
            return [.moveTo([last.x, last.y])]
        }
        if position >= queue.count {
            let block: PushTObservedBlock
            do {
                block = try observedBlock(observation)
                asideSteps = 0
            } catch PushTObservationError.blockNotSeen(let detail) {
                guard movesAsideWhenHidden, asideSteps < Self.maximumAsideSteps,
                      let target = asideTarget(observation, agent: agent) else {
                    throw PushTObservationError.blockNotSeen(detail)
                }
                asideSteps += 1
                frameRequest?.set(true)
                return [.moveTo([target.x, target.y])]
            }
            if let covered = holdsWhenCovered, heldSteps < Self.maximumHeldSteps,
               PushTCoverage.coverage(blockX: block.x, blockY: block.y, blockAngle: block.angle,
                                      goalX: PushTGeometry.goalPose.x, goalY: PushTGeometry.goalPose.y,
                                      goalAngle: PushTGeometry.goalPose.angle) >= covered {
                heldSteps += 1
                frameRequest?.set(true)
                return [.moveTo([agent.x, agent.y])]
            }
            heldSteps = 0
            let features = PushTPrimitiveFeatures.vector(block: block, agent: agent, velocity: pusher.velocity)
            let choice = exploration.map { $0.choose(logits: model.logits(features), features: features, step: step) }
                ?? model.choose(features)
            queue = executor.candidateTargets(choice, state: block.scene(agent: agent))
            position = 0
            decisions += 1
            frameRequest?.set(false)
        }
        defer { position += 1 }
        if position == queue.count - 1 { frameRequest?.set(true) }
        let target = queue[position]
        return [.moveTo([target.x, target.y])]
    }

    /// The pusher target one step aside: away from the centre of the part of the block the frame shows, or toward
    /// the table's centre when nothing of it is measured; kept inside the table.
    private func asideTarget(_ observation: Observation, agent: SIMD2<Double>) -> SIMD2<Double>? {
        guard mode == .camera, let observer = episodeObserver ?? observer,
              let frame = observation.frames[observer.cameraName] else { return nil }
        let centre = SIMD2(PushTGeometry.worldSize / 2, PushTGeometry.worldSize / 2)
        var direction = observer.visibleBlockCentre(in: frame).map { agent - $0 } ?? (centre - agent)
        var length = (direction * direction).sum().squareRoot()
        if length < 1e-6 { direction = centre - agent; length = (direction * direction).sum().squareRoot() }
        guard length >= 1e-6 else { return nil }
        let target = agent + direction / length * Self.asideDistance
        let margin = 20.0
        return target.clamped(lowerBound: SIMD2(repeating: margin),
                              upperBound: SIMD2(repeating: PushTGeometry.worldSize - margin))
    }

    private mutating func observedBlock(_ observation: Observation) throws -> PushTObservedBlock {
        switch mode {
        case .camera:
            guard let observer else { throw PushTObservationError.missing("a camera observer") }
            guard let frame = observation.frames[observer.cameraName] else {
                throw PushTObservationError.blockNotSeen("no frame from camera '\(observer.cameraName)'")
            }
            if registersEachEpisode, episodeObserver == nil { episodeObserver = observer.registered(to: frame) }
            return try (episodeObserver ?? observer).block(in: frame)
        case .state:
            return try PushTObservedBlock(privilegedStateOf: observation)
        }
    }
}

/// A flag a policy raises when it will need a camera frame on the next step; a `TriggeredCamera` reads it.
public final class PushTFrameRequest: Sendable {
    private let flag = Mutex(true)

    /// Creates a raised request (the first step of an episode needs a frame).
    public init() {}

    /// Raises or lowers the request.
    public func set(_ value: Bool) { flag.withLock { $0 = value } }

    /// Whether a frame is requested.
    public var isRaised: Bool { flag.withLock { $0 } }
}
