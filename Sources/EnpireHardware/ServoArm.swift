public import Enpire
import Foundation

/// One servo of an arm.
public struct ServoJoint: Sendable, Equatable, Codable {
    /// Joint name (the calibration file's key).
    public var name: String
    /// Servo id on the bus.
    public var id: UInt8
    /// Servo model (control table).
    public var model: ServoModel

    /// Creates a joint.
    public init(name: String, id: UInt8, model: ServoModel) {
        self.name = name
        self.id = id
        self.model = model
    }
}

/// A `RobotArm` made of position-controlled servos on one bus: joint angles in radians (zero at the middle of each
/// calibrated range), an optional gripper opening in [0, 1].
///
/// `connect()` pings every servo and checks its model, turns torque off, writes the calibration's homing offsets and
/// ranges into the servos' EEPROM position limits, reads the limits back (position and velocity, the latter from the
/// velocity-limit register where the model has one, else its rated speed), sets each goal to the present position and
/// turns torque on, so the arm does not jump. Each `observe()` is one sync read of present position and velocity;
/// each `send` one sync write of goal positions, clamped to the limits (the clamped command is returned as applied).
/// A state read that loses a reply is retried once (``readRetries``); every other bus failure is reported as
/// `ArmError.fault` naming the arm and the servo.
public actor ServoArm: RobotArm {
    /// The arm's specification (limits from the calibration).
    public nonisolated let specification: ArmSpecification
    /// Arm joints in command order.
    public nonisolated let joints: [ServoJoint]
    /// The gripper servo, if any.
    public nonisolated let gripper: ServoJoint?
    /// The calibration in use.
    public nonisolated let calibration: ServoCalibration
    /// Whether `disconnect()` turns torque off (the arm goes limp; LeRobot's default).
    public nonisolated let torqueOffOnDisconnect: Bool
    /// How often a state read is retried after a lost, torn, corrupt or misaddressed reply (servo faults are never
    /// retried).
    public nonisolated let readRetries: Int
    /// State reads retried so far (a rising count points at the cable, the adapter or the baud rate).
    public private(set) var retriedReads = 0
    private let bus: ServoBus
    private let clock: any StationClock
    private var connected = false
    /// Joint limits in radians after connecting (calibration ∩ EEPROM limits).
    public private(set) var jointLimits: [ClosedRange<Double>] = []
    /// Velocity limits in rad/s per joint after connecting.
    public private(set) var velocityLimits: [Double] = []

    private var servos: [ServoJoint] { joints + (gripper.map { [$0] } ?? []) }

    /// Creates an arm on `bus`.
    ///
    /// - Throws: ``CalibrationError`` when a joint has no calibration or an empty range.
    public init(name: String, bus: ServoBus, joints: [ServoJoint], gripper: ServoJoint?, calibration: ServoCalibration,
                controlRateHz: Double = 30, torqueOffOnDisconnect: Bool = true, readRetries: Int = 1,
                clock: any StationClock = SystemClock()) throws {
        for joint in joints + (gripper.map { [$0] } ?? []) {
            guard let entry = calibration.joints[joint.name] else {
                throw CalibrationError.missingJoint(joint.name, file: name)
            }
            guard entry.rangeMin < entry.rangeMax, entry.rangeMin >= 0, entry.rangeMax < joint.model.resolution else {
                throw CalibrationError.invalidRange(joint.name, min: entry.rangeMin, max: entry.rangeMax)
            }
        }
        let ranges = joints.map { joint -> ClosedRange<Double> in
            let entry = calibration.joints[joint.name]!  // checked above
            let scale = 2 * Double.pi / Double(joint.model.resolution)
            return (Double(entry.rangeMin) - entry.middle) * scale...(Double(entry.rangeMax) - entry.middle) * scale
        }
        specification = ArmSpecification(
            name: name, axisNames: joints.map(\.name), lowerLimits: ranges.map(\.lowerBound),
            upperLimits: ranges.map(\.upperBound), controlRateHz: controlRateHz, hasGripper: gripper != nil,
            homePosition: [Double](repeating: 0, count: joints.count))
        self.joints = joints
        self.gripper = gripper
        self.calibration = calibration
        self.bus = bus
        self.clock = clock
        self.torqueOffOnDisconnect = torqueOffOnDisconnect
        self.readRetries = max(0, readRetries)
    }

    /// The SO-101 (and SO-100) follower: six Feetech STS3215 servos, ids 1–6, the sixth the gripper, on a
    /// Feetech bus at 1 Mbps.
    public static func so101Follower(name: String = "so101_follower", bus: ServoBus, calibration: ServoCalibration,
                                     controlRateHz: Double = 30, clock: any StationClock = SystemClock()) throws -> ServoArm {
        let names = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll"]
        return try ServoArm(name: name, bus: bus,
                            joints: names.enumerated().map { ServoJoint(name: $1, id: UInt8($0 + 1), model: .sts3215) },
                            gripper: ServoJoint(name: "gripper", id: 6, model: .sts3215), calibration: calibration,
                            controlRateHz: controlRateHz, clock: clock)
    }

    /// The Koch v1.1 follower: Dynamixel XL430-W250 on ids 1–2 (shoulder), XL330-M288 on ids 3–6 (elbow, wrist,
    /// gripper), Protocol 2.0 at 1 Mbps.
    public static func koch(name: String = "koch_follower", bus: ServoBus, calibration: ServoCalibration,
                            controlRateHz: Double = 30, clock: any StationClock = SystemClock()) throws -> ServoArm {
        let joints = [ServoJoint(name: "shoulder_pan", id: 1, model: .xl430),
                      ServoJoint(name: "shoulder_lift", id: 2, model: .xl430),
                      ServoJoint(name: "elbow_flex", id: 3, model: .xl330),
                      ServoJoint(name: "wrist_flex", id: 4, model: .xl330),
                      ServoJoint(name: "wrist_roll", id: 5, model: .xl330)]
        return try ServoArm(name: name, bus: bus, joints: joints,
                            gripper: ServoJoint(name: "gripper", id: 6, model: .xl330), calibration: calibration,
                            controlRateHz: controlRateHz, clock: clock)
    }

    private func entry(_ joint: ServoJoint) -> JointCalibration {
        calibration.joints[joint.name]!  // every joint was checked in init
    }

    private func fault(_ error: any Error) -> ArmError {
        if let error = error as? ArmError { return error }
        return .fault("\(specification.name): \(error)")
    }

    /// Radians per tick (signed by the drive mode).
    private func scale(_ joint: ServoJoint) -> Double {
        (entry(joint).driveMode == 1 ? -1 : 1) * 2 * Double.pi / Double(joint.model.resolution)
    }

    /// Converts a joint's present-position ticks to radians.
    public func radians(ticks: Int, joint index: Int) -> Double {
        (Double(ticks) - entry(joints[index]).middle) * scale(joints[index])
    }

    /// Converts radians to present-position ticks for joint `index`.
    public func ticks(radians: Double, joint index: Int) -> Int {
        Int((radians / scale(joints[index]) + entry(joints[index]).middle).rounded())
    }

    /// Pings, checks models, writes calibration into the EEPROM, reads limits back, holds the pose, enables torque.
    public func connect() async throws {
        do {
            for servo in servos {
                let model = try await bus.ping(id: servo.id)
                guard model == servo.model.modelNumber else {
                    throw ServoBusError.wrongModel(id: servo.id, expected: servo.model.modelNumber, got: model)
                }
                try await bus.write(id: servo.id, servo.model.torqueEnable, value: 0)
                if let lock = servo.model.lock { try await bus.write(id: servo.id, lock, value: 0) }
                let calibrated = entry(servo)
                try await bus.write(id: servo.id, servo.model.homingOffset, value: calibrated.homingOffset)
                try await bus.write(id: servo.id, servo.model.minPositionLimit, value: calibrated.rangeMin)
                try await bus.write(id: servo.id, servo.model.maxPositionLimit, value: calibrated.rangeMax)
                if let lock = servo.model.lock { try await bus.write(id: servo.id, lock, value: 1) }
            }
            var limits: [ClosedRange<Double>] = []
            var velocities: [Double] = []
            for (index, joint) in joints.enumerated() {
                let low = try await bus.read(id: joint.id, joint.model.minPositionLimit)
                let high = try await bus.read(id: joint.id, joint.model.maxPositionLimit)
                let a = radians(ticks: low, joint: index), b = radians(ticks: high, joint: index)
                let eeprom = min(a, b)...max(a, b)
                let calibrated = specification.lowerLimits[index]...specification.upperLimits[index]
                limits.append(max(eeprom.lowerBound, calibrated.lowerBound)...min(eeprom.upperBound, calibrated.upperBound))
                if let register = joint.model.velocityLimit {
                    let units = try await bus.read(id: joint.id, register)
                    velocities.append(Double(units) * joint.model.velocityUnitRadPerSecond)
                } else {
                    velocities.append(joint.model.ratedSpeedRadPerSecond)
                }
            }
            jointLimits = limits
            velocityLimits = velocities
            try await holdHere()
            for servo in servos { try await bus.write(id: servo.id, servo.model.torqueEnable, value: 1) }
            connected = true
        } catch {
            throw fault(error)
        }
    }

    /// Sync read of the state block; a lost or garbled reply (not a servo's fault report) is retried up to
    /// ``readRetries`` times, since reads change nothing.
    private func readState() async throws -> (ticks: [Int], velocity: [Int]) {
        guard let model = servos.first?.model else { return ([], []) }
        let block = model.stateBlock
        var attempt = 0
        var replies: [[UInt8]]
        while true {
            do {
                replies = try await bus.syncRead(ids: servos.map(\.id), address: block.address, length: block.size)
                break
            } catch let error as ServoBusError {
                if case .servoFault = error { throw error }
                guard attempt < readRetries else { throw error }
                attempt += 1
                retriedReads += 1
            }
        }
        let position = replies.map { model.presentPosition.decode($0[(model.presentPosition.address - block.address)...]) }
        let velocity = replies.map { model.presentVelocity.decode($0[(model.presentVelocity.address - block.address)...]) }
        return (position, velocity)
    }

    private func writeGoals(_ ticks: [Int]) async throws {
        guard let model = servos.first?.model else { return }
        try await bus.syncWrite(ids: servos.map(\.id), address: model.goalPosition.address,
                                data: ticks.map { model.goalPosition.encode($0) })
    }

    private func holdHere() async throws {
        try await writeGoals(try await readState().ticks)
    }

    private func requireConnected() throws {
        guard connected else { throw ArmError.notConnected(specification.name) }
    }

    /// One sync read: joint angles (rad), velocities (rad/s), gripper opening.
    public func observe() async throws -> RobotState {
        try requireConnected()
        do {
            let state = try await readState()
            let position = joints.indices.map { radians(ticks: state.ticks[$0], joint: $0) }
            let velocity = joints.indices.map { index in
                Double(state.velocity[index]) * joints[index].model.velocityUnitRadPerSecond
                    * (entry(joints[index]).driveMode == 1 ? -1 : 1)
            }
            var opening: Double?
            if let gripper {
                let calibrated = entry(gripper)
                let span = Double(calibrated.rangeMax - calibrated.rangeMin)
                opening = min(1, max(0, (Double(state.ticks[joints.count]) - Double(calibrated.rangeMin)) / span))
            }
            return RobotState(position: position, velocity: velocity, gripper: opening,
                              timestampSeconds: clock.now())
        } catch {
            throw fault(error)
        }
    }

    /// Sends goal positions (clamped to the joint limits); a hold keeps the present pose.
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        try requireConnected()
        do {
            if command.mode == .hold {
                try await holdHere()
                return .hold
            }
            guard command.target.count == joints.count else {
                throw ArmError.wrongDimension(expected: joints.count, got: command.target.count)
            }
            guard command.target.allSatisfy(\.isFinite), command.gripper?.isFinite ?? true else {
                throw ArmError.fault("\(specification.name): command has a non-finite value; nothing was sent")
            }
            let clamped = zip(command.target, jointLimits).map { min(max($0, $1.lowerBound), $1.upperBound) }
            var goals = clamped.enumerated().map { ticks(radians: $1, joint: $0) }
            var appliedGripper: Double?
            if let gripper {
                let calibrated = entry(gripper)
                if let opening = command.gripper {
                    appliedGripper = min(1, max(0, opening))
                    goals.append(calibrated.rangeMin
                        + Int((appliedGripper! * Double(calibrated.rangeMax - calibrated.rangeMin)).rounded()))
                } else {
                    // Leave the gripper where it is: its goal becomes its present position.
                    goals.append(try await readState().ticks[joints.count])
                }
            }
            try await writeGoals(goals)
            return ArmCommand(mode: .position, target: clamped, gripper: appliedGripper)
        } catch {
            throw fault(error)
        }
    }

    /// Turns torque on or off on every servo. Off, the arm goes limp and a hand can move it (a leader arm while a
    /// person teleoperates); on, every goal is first set to the present position, so the arm holds where it is.
    public func setTorque(_ enabled: Bool) async throws {
        try requireConnected()
        do {
            if enabled { try await holdHere() }
            for servo in servos { try await bus.write(id: servo.id, servo.model.torqueEnable, value: enabled ? 1 : 0) }
        } catch {
            throw fault(error)
        }
    }

    /// Moves toward the home pose (zero radians: the middle of every calibrated range), clamped to the limits.
    public func home() async throws {
        _ = try await send(.moveTo(specification.homePosition ?? [Double](repeating: 0, count: joints.count)))
    }

    /// Stops all motion: every goal becomes the present position (torque stays on, so the arm does not fall).
    public func stop() async throws {
        try requireConnected()
        do { try await holdHere() } catch { throw fault(error) }
    }

    /// Turns torque off (when ``torqueOffOnDisconnect``) and closes the bus.
    public func disconnect() async {
        if connected, torqueOffOnDisconnect, let model = servos.first?.model {
            for servo in servos { try? await bus.write(id: servo.id, model.torqueEnable, value: 0) }
        }
        connected = false
        await bus.close()
    }
}
