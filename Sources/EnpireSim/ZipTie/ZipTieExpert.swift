public import Enpire
import Foundation

/// A scripted bimanual zip-tie expert: the left arm grasps the free end and pulls it 3 mm beyond the tie's
/// length along the anchor direction; once the tie is taut the cutter turns its blade square to the tie, comes
/// in along the blade to the mark, and closes its jaws. Returns one command per arm (left, cutter).
public struct ZipTieExpert: Policy {
    /// The expert's tunable numbers (a recipe a researcher can search).
    public struct Parameters: ExpertParameters {
        /// How far beyond the tie's length the left arm pulls, mm.
        public var pullBeyond = 3.0
        /// Tension, as a multiple of the minimum the cut needs, before the cutter approaches.
        public var tensionFactor = 2.0
        /// Distance of the cutter's approach point from the mark along the blade, mm.
        public var approachDistance = 30.0
        /// Position error at the mark below which the jaws close, mm.
        public var closeTolerance = 0.3

        /// The default (strong) setting.
        public init() {}

        /// `zip-tie expert`.
        public static var expertName: String { "zip-tie expert" }

        /// The parameters and their accepted values.
        public static var fields: [ExpertParameterField<Self>] {
            [
                ExpertParameterField("pullBeyond", \.pullBeyond, -5...15),
                ExpertParameterField("tensionFactor", \.tensionFactor, 0...6),
                ExpertParameterField("approachDistance", \.approachDistance, 5...80),
                ExpertParameterField("closeTolerance", \.closeTolerance, 0.05...5),
            ]
        }
    }

    /// The numbers this expert runs with.
    public let parameters: Parameters
    private enum Phase { case reach, grasp, tension, approach, close, done }
    private var phase = Phase.reach

    /// Creates an expert.
    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// `"ziptie-expert/v1"`.
    public var name: String { "ziptie-expert/v1" }

    /// Starts a new episode.
    public mutating func reset() {
        phase = .reach
    }

    /// Commands for [left, cutter]; throws when the station lacks the zip-tie features or either arm.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        guard observation.arms.count == 2,
              let anchor = observation.features[ZipTieFeatures.anchor], anchor.count == 3,
              let end = observation.features[ZipTieFeatures.freeEnd], end.count == 2,
              let mark = observation.features[ZipTieFeatures.mark], mark.count == 3,
              let stretch = observation.features[ZipTieFeatures.stretch], stretch.count == 2,
              let cut = observation.features[ZipTieFeatures.cut]?.first,
              let grasped = observation.features[ZipTieFeatures.grasped]?.first else {
            throw SimulatedTaskError.invalidParameter(
                "zip-tie expert needs two arms and the ziptie.* features; add the ZipTieWorld as a feature source")
        }
        return commands(left: observation.arms[0], cutter: observation.arms[1], anchor: anchor, freeEnd: end,
                        mark: mark, stretch: stretch[0], tension: stretch[1], grasped: grasped > 0.5,
                        cut: cut > 0.5)
    }

    /// The commands for one period from the arms' states and the observed tie.
    public mutating func commands(left: RobotState, cutter: RobotState, anchor: [Double], freeEnd: [Double],
                                  mark: [Double], stretch: Double, tension: Double,
                                  grasped: Bool, cut: Bool) -> [ArmCommand] {
        let g = ZipTieGeometry.self
        let p = parameters
        let pull = [anchor[0] + (g.tieLength + p.pullBeyond) * cos(anchor[2]),
                    anchor[1] + (g.tieLength + p.pullBeyond) * sin(anchor[2])]
        let blade = mark[2] - Double.pi / 2
        let approach = [mark[0] - p.approachDistance * cos(blade), mark[1] - p.approachDistance * sin(blade), blade]
        let atMark = [mark[0], mark[1], blade]
        var leftCommand = ArmCommand.moveTo(freeEnd, gripper: 1)
        var cutterCommand = ArmCommand.moveTo(g.rightStart, gripper: 1)
        if cut { phase = .done }
        switch phase {
        case .reach:
            if hypot(left.position[0] - freeEnd[0], left.position[1] - freeEnd[1]) < 1 { phase = .grasp }
        case .grasp:
            leftCommand = .moveTo(freeEnd, gripper: 0)
            if grasped {
                phase = .tension
            } else if (left.gripper ?? 1) <= 0.1 {
                // Closed on nothing (the end moved away): reopen and reach again.
                phase = .reach
            }
        case .tension:
            leftCommand = .moveTo(pull, gripper: 0)
            if stretch >= 0.985, tension >= p.tensionFactor * g.minimumTension {
                phase = .approach
                cutterCommand = .moveTo(approach, gripper: 1)
            }
        case .approach:
            leftCommand = .moveTo(pull, gripper: 0)
            cutterCommand = .moveTo(approach, gripper: 1)
            if hypot(cutter.position[0] - approach[0], cutter.position[1] - approach[1]) < 2 { phase = .close }
        case .close:
            leftCommand = .moveTo(pull, gripper: 0)
            let aligned = hypot(cutter.position[0] - atMark[0], cutter.position[1] - atMark[1]) < p.closeTolerance
                && abs(remainder(cutter.position[2] - blade, 2 * Double.pi)) < 0.02
            cutterCommand = .moveTo(atMark, gripper: aligned ? 0 : 1)
        case .done:
            // Hold the pieces; open the jaws and park the cutter clear of the tie so cameras can see the cut.
            leftCommand = .moveTo(pull, gripper: 0)
            cutterCommand = .moveTo(ZipTieGeometry.inspectionPose, gripper: 1)
        }
        return [leftCommand, cutterCommand]
    }
}
