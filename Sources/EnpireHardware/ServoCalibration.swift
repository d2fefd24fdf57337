import Enpire
public import Foundation

/// Calibration of one joint, in the servo's raw units (LeRobot's `MotorCalibration` fields).
public struct JointCalibration: Sendable, Codable, Equatable {
    /// Servo id on the bus.
    public var id: Int
    /// 0: angles grow with the encoder; 1: the joint is mounted reversed.
    public var driveMode: Int
    /// Homing offset written to the servo so that the middle of the range reads half a turn (2048).
    public var homingOffset: Int
    /// Lowest present-position value the joint may reach (ticks, after the homing offset).
    public var rangeMin: Int
    /// Highest present-position value (ticks).
    public var rangeMax: Int

    enum CodingKeys: String, CodingKey {
        case id
        case driveMode = "drive_mode"
        case homingOffset = "homing_offset"
        case rangeMin = "range_min"
        case rangeMax = "range_max"
    }

    /// Creates a joint calibration.
    public init(id: Int, driveMode: Int = 0, homingOffset: Int = 0, rangeMin: Int, rangeMax: Int) {
        self.id = id
        self.driveMode = driveMode
        self.homingOffset = homingOffset
        self.rangeMin = rangeMin
        self.rangeMax = rangeMax
    }

    /// Middle of the range in ticks: zero radians.
    public var middle: Double { Double(rangeMin + rangeMax) / 2 }
}

/// Errors of calibration files and procedures.
public enum CalibrationError: Error, Equatable, CustomStringConvertible {
    /// A joint of the arm has no entry in the file.
    case missingJoint(String, file: String)
    /// A joint's range is empty or outside the encoder.
    case invalidRange(String, min: Int, max: Int)
    /// The file could not be read or parsed.
    case unreadable(file: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .missingJoint(let joint, let file):
            return "calibration \(file) has no entry for joint \(joint); run the calibration again for this arm"
        case .invalidRange(let joint, let min, let max):
            return "joint \(joint) has range \(min)…\(max) ticks; move the joint through its full range while "
                + "calibrating (range_min must be below range_max)"
        case .unreadable(let file, let reason):
            return "cannot read calibration \(file): \(reason)"
        }
    }
}

/// Per-joint calibration of an arm, stored as JSON keyed by joint name, in the same layout as LeRobot's
/// calibration files (`{"shoulder_pan": {"id": 1, "drive_mode": 0, "homing_offset": …, "range_min": …,
/// "range_max": …}, …}`), so a file written by LeRobot's calibration step can be used as is.
public struct ServoCalibration: Sendable, Codable, Equatable {
    /// Calibration per joint name.
    public var joints: [String: JointCalibration]

    /// Creates a calibration.
    public init(joints: [String: JointCalibration]) { self.joints = joints }

    /// Reads a calibration file.
    ///
    /// - Throws: ``CalibrationError/unreadable(file:reason:)``.
    public static func load(from url: URL) throws -> ServoCalibration {
        do {
            let data = try SafeFile.read(url, limit: 1 << 20)
            return ServoCalibration(joints: try JSONDecoder().decode([String: JointCalibration].self, from: data))
        } catch {
            throw CalibrationError.unreadable(file: url.path, reason: "\(error)")
        }
    }

    /// Writes the calibration as pretty-printed JSON with sorted keys.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(joints).write(to: url, options: .atomic)
    }

    /// Calibrates `joints` on a live bus in LeRobot's two steps, with torque off:
    /// 1. with the arm held in the middle of its range, sets each homing offset so the present position reads half a
    ///    turn (the offset is written to the servo);
    /// 2. records the lowest and highest present position while a person moves every joint through its range, for
    ///    `recordSeconds` and at least `minimumSamples` samples (sync reads; a busy host that reads slowly records
    ///    longer rather than ending with too few samples), calling `progress` with each sample.
    ///
    /// - Throws: ``ServoBusError`` from the bus, ``CalibrationError/invalidRange(_:min:max:)`` for a joint that did
    ///   not move.
    public static func record(bus: ServoBus, joints: [ServoJoint], recordSeconds: Double, minimumSamples: Int = 3,
                              progress: (@Sendable ([Int]) -> Void)? = nil) async throws -> ServoCalibration {
        guard let model = joints.first?.model else { return ServoCalibration(joints: [:]) }
        let ids = joints.map(\.id)
        try await bus.setTorque(false, ids: ids, register: model.torqueEnable)
        let half = model.resolution / 2
        var offsets: [Int] = []
        for joint in joints {
            if let lock = joint.model.lock { try await bus.write(id: joint.id, lock, value: 0) }
            try await bus.write(id: joint.id, joint.model.homingOffset, value: 0)
            let present = try await bus.read(id: joint.id, joint.model.presentPosition)
            // Feetech subtracts the offset from the encoder, Dynamixel adds it.
            let offset = joint.model.dialect == .feetech ? present - half : half - present
            try await bus.write(id: joint.id, joint.model.homingOffset, value: offset)
            if let lock = joint.model.lock { try await bus.write(id: joint.id, lock, value: 1) }
            offsets.append(offset)
        }
        var lows = [Int](repeating: Int.max, count: joints.count)
        var highs = [Int](repeating: Int.min, count: joints.count)
        let block = model.presentPosition
        let deadline = Date().addingTimeInterval(recordSeconds)
        var sampled = 0
        repeat {
            sampled += 1
            let samples = try await bus.syncRead(ids: ids, address: block.address, length: block.size).map(block.decode)
            for (index, value) in samples.enumerated() {
                lows[index] = min(lows[index], value)
                highs[index] = max(highs[index], value)
            }
            progress?(samples)
            try await Task.sleep(nanoseconds: 20_000_000)
        } while Date() < deadline || sampled < minimumSamples
        var result: [String: JointCalibration] = [:]
        for (index, joint) in joints.enumerated() {
            guard lows[index] < highs[index] else {
                throw CalibrationError.invalidRange(joint.name, min: lows[index], max: highs[index])
            }
            result[joint.name] = JointCalibration(id: Int(joint.id), driveMode: 0, homingOffset: offsets[index],
                                                  rangeMin: lows[index], rangeMax: highs[index])
        }
        return ServoCalibration(joints: result)
    }
}
