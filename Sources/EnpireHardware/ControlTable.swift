import Foundation

/// One register of a servo's control table.
public struct ServoRegister: Sendable, Equatable, Hashable, Codable {
    /// Address in the control table.
    public var address: Int
    /// Size in bytes (1, 2 or 4), little-endian.
    public var size: Int
    /// Bit index of a sign flag (Feetech sign-magnitude registers such as the homing offset), or `nil` for
    /// two's complement (Dynamixel) or unsigned values.
    public var signBit: Int?
    /// Whether the value is a two's-complement signed integer.
    public var signed: Bool

    /// Creates a register description.
    public init(address: Int, size: Int, signBit: Int? = nil, signed: Bool = false) {
        self.address = address
        self.size = size
        self.signBit = signBit
        self.signed = signed
    }

    /// Decodes the register's value from little-endian bytes.
    public func decode<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        var raw = 0
        for (shift, byte) in bytes.prefix(size).enumerated() { raw |= Int(byte) << (8 * shift) }
        if let signBit {
            let magnitude = raw & ~(1 << signBit)
            return raw & (1 << signBit) != 0 ? -magnitude : magnitude
        }
        if signed, raw & (1 << (8 * size - 1)) != 0 { return raw - (1 << (8 * size)) }
        return raw
    }

    /// Encodes `value` as little-endian bytes (sign-magnitude when ``signBit`` is set).
    public func encode(_ value: Int) -> [UInt8] {
        var raw = value
        if let signBit, value < 0 { raw = (-value & ((1 << signBit) - 1)) | (1 << signBit) }
        return (0..<size).map { UInt8(truncatingIfNeeded: raw >> (8 * $0)) }
    }
}

/// The registers the driver uses, for one servo model, with its resolution and unit conversions.
///
/// Addresses are from the vendors' public control tables (Feetech STS3215 memory table; Robotis e-Manual for the
/// X series, identical for XL330 and XL430).
public struct ServoModel: Sendable, Equatable, Codable {
    /// Model name (for example `"sts3215"`, `"xl330-m288"`).
    public var name: String
    /// Protocol.
    public var dialect: ServoDialect
    /// Model number the servo reports (ping / register 3 on Feetech, register 0 on Dynamixel).
    public var modelNumber: Int
    /// Encoder ticks per revolution.
    public var resolution: Int
    /// Model number register.
    public var modelNumberRegister: ServoRegister
    /// Homing offset register (EEPROM).
    public var homingOffset: ServoRegister
    /// Lower position limit register (EEPROM).
    public var minPositionLimit: ServoRegister
    /// Upper position limit register (EEPROM).
    public var maxPositionLimit: ServoRegister
    /// Velocity limit register (EEPROM), when the model has one.
    public var velocityLimit: ServoRegister?
    /// Radians per second of one velocity unit.
    public var velocityUnitRadPerSecond: Double
    /// Top speed at nominal voltage in rad/s (datasheet), used when the model has no velocity-limit register.
    public var ratedSpeedRadPerSecond: Double
    /// Torque enable register (1 = on).
    public var torqueEnable: ServoRegister
    /// Goal position register.
    public var goalPosition: ServoRegister
    /// Present position register.
    public var presentPosition: ServoRegister
    /// Present velocity register.
    public var presentVelocity: ServoRegister
    /// Present temperature register (°C).
    public var presentTemperature: ServoRegister
    /// Hardware error register (Dynamixel), when the model has one.
    public var hardwareError: ServoRegister?
    /// EEPROM lock register (Feetech: 0 lets EEPROM writes persist, 1 locks), when the model has one.
    public var lock: ServoRegister? = nil

    /// The contiguous block holding present velocity and position (one sync read serves both).
    public var stateBlock: (address: Int, size: Int) {
        let start = min(presentPosition.address, presentVelocity.address)
        let end = max(presentPosition.address + presentPosition.size, presentVelocity.address + presentVelocity.size)
        return (start, end - start)
    }

    /// Feetech STS3215 (SO-100/SO-101): 4096 ticks/rev, velocity in ticks/s, homing offset sign-magnitude (bit 11),
    /// present velocity sign-magnitude (bit 15). The STS3215 has no velocity-limit register; its rated speed is
    /// 0.222 s/60° at 12 V (about 4.7 rad/s).
    public static let sts3215 = ServoModel(
        name: "sts3215", dialect: .feetech, modelNumber: 777, resolution: 4096,
        modelNumberRegister: ServoRegister(address: 3, size: 2),
        homingOffset: ServoRegister(address: 31, size: 2, signBit: 11),
        minPositionLimit: ServoRegister(address: 9, size: 2), maxPositionLimit: ServoRegister(address: 11, size: 2),
        velocityLimit: nil, velocityUnitRadPerSecond: 2 * Double.pi / 4096, ratedSpeedRadPerSecond: 4.7,
        torqueEnable: ServoRegister(address: 40, size: 1), goalPosition: ServoRegister(address: 42, size: 2),
        presentPosition: ServoRegister(address: 56, size: 2),
        presentVelocity: ServoRegister(address: 58, size: 2, signBit: 15),
        presentTemperature: ServoRegister(address: 63, size: 1), hardwareError: nil,
        lock: ServoRegister(address: 55, size: 1))

    /// A Dynamixel X-series model (shared control table; Protocol 2.0): velocity unit 0.229 rpm.
    public static func dynamixelX(name: String, modelNumber: Int, ratedSpeedRadPerSecond: Double) -> ServoModel {
        ServoModel(
            name: name, dialect: .dynamixel2, modelNumber: modelNumber, resolution: 4096,
            modelNumberRegister: ServoRegister(address: 0, size: 2),
            homingOffset: ServoRegister(address: 20, size: 4, signed: true),
            minPositionLimit: ServoRegister(address: 52, size: 4), maxPositionLimit: ServoRegister(address: 48, size: 4),
            velocityLimit: ServoRegister(address: 44, size: 4), velocityUnitRadPerSecond: 0.229 * 2 * Double.pi / 60,
            ratedSpeedRadPerSecond: ratedSpeedRadPerSecond,
            torqueEnable: ServoRegister(address: 64, size: 1), goalPosition: ServoRegister(address: 116, size: 4, signed: true),
            presentPosition: ServoRegister(address: 132, size: 4, signed: true),
            presentVelocity: ServoRegister(address: 128, size: 4, signed: true),
            presentTemperature: ServoRegister(address: 146, size: 1), hardwareError: ServoRegister(address: 70, size: 1))
    }

    /// Dynamixel XL430-W250 (Koch shoulder joints).
    public static let xl430 = dynamixelX(name: "xl430-w250", modelNumber: 1060, ratedSpeedRadPerSecond: 6.1)
    /// Dynamixel XL330-M288 (Koch elbow, wrist and gripper).
    public static let xl330 = dynamixelX(name: "xl330-m288", modelNumber: 1200, ratedSpeedRadPerSecond: 10.8)

    /// Status error-byte bits (Feetech) or hardware-error register bits (Dynamixel) with their meaning.
    public var faultBits: [(bit: Int, meaning: String)] {
        switch dialect {
        case .feetech:
            return [(0, "input voltage out of range"), (1, "angle sensor error"), (2, "overheating"),
                    (3, "overcurrent"), (5, "overload")]
        case .dynamixel2:
            return [(0, "input voltage out of range"), (2, "overheating"), (3, "motor encoder error"),
                    (4, "electrical shock"), (5, "overload")]
        }
    }

    /// Names the set bits of a fault byte.
    public func describeFaults(_ flags: UInt8) -> String {
        let names = faultBits.filter { flags & (1 << $0.bit) != 0 }.map(\.meaning)
        return names.isEmpty ? String(format: "unknown fault bits 0x%02X", flags) : names.joined(separator: ", ")
    }
}
