public import Enpire
public import EnpireSim
import Foundation

/// The Push-T planner (`PushTHeuristicExpert`) fed from what it observes: in camera mode the block pose measured in
/// the station's camera frame plus the pusher's own state, in state mode the simulator's exact state.
///
/// Either way it plans by rolling candidates out in a private copy of the simulator, so it is an oracle
/// (privileged) whatever it observes; camera mode measures how much its success owes to exact observations.
public struct PushTObservingExpert: Policy {
    /// What it reads.
    public let mode: ObservationMode
    /// The camera measurement (camera mode).
    public let observer: PushTCameraObserver?
    /// Raised on the step before the planner needs a new observation, for a triggered camera.
    public var frameRequest: PushTFrameRequest?
    private var expert: PushTHeuristicExpert
    private var lastBlock: PushTObservedBlock?

    /// Creates the observing planner; camera mode needs an observer.
    public init(parameters: PushTPlannerParameters, mode: ObservationMode, observer: PushTCameraObserver? = nil) throws {
        try PushTObservationError.checkObserver(observer, for: mode)
        self.mode = mode
        self.observer = observer
        expert = PushTHeuristicExpert(parameters: parameters)
    }

    /// `"pusht-planner-oracle/<mode>"`.
    public var name: String { "pusht-planner-oracle/\(mode.rawValue)" }

    /// Forgets the current primitive and observation.
    public mutating func reset() {
        expert.reset()
        lastBlock = nil
        frameRequest?.set(true)
    }

    /// The next pusher target.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        let pusher = try PushTPusher(observation)
        switch mode {
        case .camera:
            guard let observer else { throw PushTObservationError.missing("a camera observer") }
            if let frame = observation.frames[observer.cameraName] {
                lastBlock = try observer.block(in: frame)
            }
        case .state:
            lastBlock = try PushTObservedBlock(privilegedStateOf: observation)
        }
        guard let block = lastBlock else {
            throw PushTObservationError.blockNotSeen("no frame yet from camera '\(observer?.cameraName ?? "?")'")
        }
        let scene = block.scene(agent: pusher.position)
        let target = expert.nextTarget(state: scene, agentVelocity: (pusher.velocity.x, pusher.velocity.y))
        frameRequest?.set(expert.primitiveExhausted)
        return [.moveTo([target.x, target.y])]
    }
}
