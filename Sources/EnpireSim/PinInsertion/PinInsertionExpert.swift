public import Enpire
import Foundation

/// A scripted pin-insertion expert: align the tip 10 mm above the observed hole pose, descend along the hole
/// axis, and when the contact force rises before the tip is in, back off and retry at the next lateral offset
/// of a widening search (0, +0.25, −0.25, +0.5, ... mm); once inside, follow the side-wall force to centre
/// the pin and hold it at 24 mm depth without pushing.
///
/// It uses only what a real station would observe: the hand pose, the force estimate and the tracked hole
/// pose (``PinInsertionFeatures/holePose``, biased by up to 0.4 mm).
public struct PinInsertionExpert: Policy {
    /// The expert's tunable numbers (a recipe a researcher can search).
    public struct Parameters: ExpertParameters {
        /// Depth added to the commanded depth per control step while descending, mm.
        public var descentStep = 1.5
        /// Lateral step of the widening search after a blocked descent, mm.
        public var searchStep = 0.25
        /// Axial force that counts as blocked on the rim, N.
        public var blockForce = 1.5
        /// Share of the side-wall force's implied offset corrected per step once inside.
        public var lateralGain = 0.5

        /// The default (strong) setting.
        public init() {}

        /// `pin expert`.
        public static var expertName: String { "pin expert" }

        /// The parameters and their accepted values.
        public static var fields: [ExpertParameterField<Self>] {
            [
                ExpertParameterField("descentStep", \.descentStep, 0.1...5),
                ExpertParameterField("searchStep", \.searchStep, 0.05...1),
                ExpertParameterField("blockForce", \.blockForce, 0.2...10),
                ExpertParameterField("lateralGain", \.lateralGain, 0...1),
            ]
        }
    }

    /// The numbers this expert runs with.
    public let parameters: Parameters
    private enum Phase { case approach, descend, backOff, hold }
    private var phase = Phase.approach
    private var searchIndex = 0
    private var lateral = 0.0
    private var commandedDepth = -10.0

    /// Creates an expert.
    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// `"pin-expert/v1"`.
    public var name: String { "pin-expert/v1" }

    /// Clears the search state.
    public mutating func reset() {
        self = PinInsertionExpert(parameters: parameters)
    }

    /// One command for the hand; throws when the hole-pose feature is missing.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        guard let hole = observation.features[PinInsertionFeatures.holePose], hole.count == 3,
              let arm = observation.arms.first, arm.position.count == 3 else {
            throw SimulatedTaskError.invalidParameter(
                "pin expert needs the \(PinInsertionFeatures.holePose) feature and the hand state; "
                    + "add the PinInsertionWorld as a feature source")
        }
        let target = nextTarget(hand: arm.position, force: arm.force ?? [0, 0], holePose: hole)
        return [.moveTo(target)]
    }

    /// The next hand target [x, y, angle] from the observed hand pose, force (N) and hole pose.
    public mutating func nextTarget(hand: [Double], force: [Double], holePose: [Double]) -> [Double] {
        let a = holePose[2]
        let down = (x: sin(a), y: -cos(a)), across = (x: cos(a), y: sin(a))
        let reach = PinInsertionGeometry.handToTip
        // Tip depth implied by the hand pose if the grasp were rigid.
        let handDepth = (hand[0] - holePose[0]) * down.x + (hand[1] - holePose[1]) * down.y + reach
        let axialForce = -(force[0] * down.x + force[1] * down.y)
        let lateralForce = force[0] * across.x + force[1] * across.y
        func target(depth: Double) -> [Double] {
            let tipX = holePose[0] + depth * down.x + lateral * across.x
            let tipY = holePose[1] + depth * down.y + lateral * across.y
            return [tipX - reach * down.x, tipY - reach * down.y, a]
        }
        switch phase {
        case .approach:
            commandedDepth = -10
            let goal = target(depth: commandedDepth)
            if hypot(hand[0] - goal[0], hand[1] - goal[1]) < 0.3 { phase = .descend }
            return goal
        case .descend:
            if axialForce > parameters.blockForce, handDepth < 3 {
                // Blocked on the rim: back off and try the next offset of the search.
                searchIndex += 1
                let ring = Double((searchIndex + 1) / 2) * parameters.searchStep
                lateral = searchIndex % 2 == 1 ? ring : -ring
                if ring > 1.5 { searchIndex = 0; lateral = 0 }
                phase = .backOff
                commandedDepth = -2
                return target(depth: commandedDepth)
            }
            if handDepth > 3 { lateral += parameters.lateralGain * lateralForce / PinInsertionGeometry.graspStiffness }
            commandedDepth = min(commandedDepth + parameters.descentStep, 24)
            if commandedDepth >= 24, handDepth > 20 { phase = .hold }
            return target(depth: commandedDepth)
        case .backOff:
            if handDepth < -1 { phase = .descend }
            return target(depth: -2)
        case .hold:
            lateral += parameters.lateralGain * lateralForce / PinInsertionGeometry.graspStiffness
            return target(depth: 24)
        }
    }
}
