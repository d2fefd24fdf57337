/// The two servo-bus protocols Enpire speaks.
///
/// Both are half-duplex request/response protocols on one serial line with the same instruction set (ping, read,
/// write, sync read, sync write); they differ in framing and integrity checks:
/// - **Feetech SCS/STS** (SO-100/SO-101 arms): `FF FF id length instruction params… checksum`, where
///   `length` counts the parameters plus two and `checksum` is the inverted low byte of the sum of id, length,
///   instruction and parameters. One-byte register addresses and lengths; STS registers are little-endian.
/// - **Dynamixel Protocol 2.0** (Koch arms, X series): `FF FF FD 00 id lenL lenH instruction params… crcL crcH`,
///   with the CRC-16 (polynomial 0x8005) over everything before it, two-byte addresses and lengths, and byte
///   stuffing: `FD` is inserted after every `FF FF FD` inside the instruction and parameters.
public enum ServoDialect: String, Sendable, Codable, Equatable {
    /// Feetech SCS/STS protocol (STS3215 and relatives, little-endian registers).
    case feetech
    /// Robotis Dynamixel Protocol 2.0.
    case dynamixel2

    /// Instruction codes shared by both protocols.
    public enum Instruction: UInt8, Sendable {
        /// Ask a servo to answer.
        case ping = 0x01
        /// Read registers.
        case read = 0x02
        /// Write registers.
        case write = 0x03
        /// Read the same registers from several servos (each answers in turn).
        case syncRead = 0x82
        /// Write the same registers on several servos (no answer).
        case syncWrite = 0x83
        /// Dynamixel 2.0 status packets carry this instruction byte.
        case status = 0x55
    }

    /// The broadcast id (sync instructions).
    public static let broadcastID: UInt8 = 0xFE

    /// Width in bytes of a register address or length field inside parameters.
    public var addressWidth: Int { self == .feetech ? 1 : 2 }

    /// The little-endian encoding of an address or length field.
    public func field(_ value: Int) -> [UInt8] {
        addressWidth == 1 ? [UInt8(truncatingIfNeeded: value)]
            : [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
    }

    /// Encodes an instruction packet.
    public func encode(id: UInt8, instruction: UInt8, parameters: [UInt8]) -> [UInt8] {
        switch self {
        case .feetech:
            var packet: [UInt8] = [0xFF, 0xFF, id, UInt8(truncatingIfNeeded: parameters.count + 2), instruction]
            packet += parameters
            packet.append(Self.feetechChecksum(packet[2...]))
            return packet
        case .dynamixel2:
            let body = Self.stuff([instruction] + parameters)
            let length = body.count + 2
            var packet: [UInt8] = [0xFF, 0xFF, 0xFD, 0x00, id, UInt8(length & 0xFF), UInt8(length >> 8)]
            packet += body
            let crc = Self.crc16(packet)
            packet += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
            return packet
        }
    }

    /// Feetech checksum: the inverted low byte of the sum of `bytes` (id, length, instruction/error, params).
    public static func feetechChecksum<C: Collection>(_ bytes: C) -> UInt8 where C.Element == UInt8 {
        ~UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 + Int($1) })
    }

    /// CRC-16 of Dynamixel Protocol 2.0 (polynomial 0x8005, initial value 0, no reflection).
    public static func crc16<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x8005 : crc << 1
            }
        }
        return crc
    }

    /// Inserts `FD` after every `FF FF FD` (Dynamixel 2.0 byte stuffing of instruction and parameters).
    public static func stuff(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 2)
        for byte in bytes {
            out.append(byte)
            let n = out.count
            if n >= 3, out[n - 3] == 0xFF, out[n - 2] == 0xFF, out[n - 1] == 0xFD { out.append(0xFD) }
        }
        return out
    }

    /// Removes Dynamixel 2.0 byte stuffing: drops the `FD` that follows every `FF FF FD`.
    public static func unstuff(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            out.append(bytes[index])
            let n = out.count
            if n >= 3, out[n - 3] == 0xFF, out[n - 2] == 0xFF, out[n - 1] == 0xFD,
               index + 1 < bytes.count, bytes[index + 1] == 0xFD {
                index += 1
            }
            index += 1
        }
        return out
    }
}

/// One decoded packet: an instruction (to a servo) or a status reply (from one).
public struct ServoPacket: Sendable, Equatable {
    /// Servo id (or the broadcast id).
    public var id: UInt8
    /// Instruction code, or for status packets the status instruction (Dynamixel `0x55`, Feetech `0`).
    public var instruction: UInt8
    /// Error byte of a status packet (0 for instructions).
    public var error: UInt8
    /// Parameters (unstuffed).
    public var parameters: [UInt8]
}

/// Incremental packet parser used by the driver and the fake devices.
///
/// Bytes are pushed as they arrive; ``next()`` returns a complete packet, reports a corrupt one, or asks for more.
public struct ServoPacketParser: Sendable {
    /// What the parser found.
    public enum Result: Sendable, Equatable {
        /// A complete, valid packet.
        case packet(ServoPacket)
        /// A complete packet whose checksum or CRC did not match (`id` from its header).
        case corrupt(id: UInt8)
        /// Not enough bytes yet; `missing` is a lower bound of what is still needed.
        case needMore(missing: Int)
    }

    /// The protocol.
    public let dialect: ServoDialect
    /// Whether packets are status replies (an error byte follows the instruction/length).
    public let statusPackets: Bool
    private var buffer: [UInt8] = []

    /// Creates a parser.
    public init(dialect: ServoDialect, statusPackets: Bool) {
        self.dialect = dialect
        self.statusPackets = statusPackets
    }

    /// Bytes received and not consumed yet.
    public var pending: Int { buffer.count }

    /// Appends received bytes.
    public mutating func push(_ bytes: [UInt8]) { buffer += bytes }

    /// Drops every pending byte.
    public mutating func clear() { buffer.removeAll(keepingCapacity: true) }

    /// Extracts the next packet, if complete.
    public mutating func next() -> Result {
        let header: [UInt8] = dialect == .feetech ? [0xFF, 0xFF] : [0xFF, 0xFF, 0xFD, 0x00]
        // Skip noise before a header.
        while buffer.count >= header.count, !buffer.starts(with: header) { buffer.removeFirst() }
        if dialect == .feetech {
            // `FF FF FF id…`: a third FF is the first header byte's predecessor.
            while buffer.count >= 3, buffer[2] == 0xFF { buffer.removeFirst() }
        }
        guard buffer.count >= header.count + 3 else { return .needMore(missing: header.count + 3 - buffer.count) }
        // Feetech: FF FF id length(1) …, length ≥ 2 (instruction or error, checksum).
        // Dynamixel 2.0: FF FF FD 00 id length(2) …, length ≥ 3 (instruction, CRC), 4 with a status error byte.
        let id: UInt8, length: Int, minimumLength: Int, prefix: Int
        switch dialect {
        case .feetech:
            (id, length, minimumLength, prefix) = (buffer[2], Int(buffer[3]), 2, 4)
        case .dynamixel2:
            (id, length, minimumLength, prefix) = (buffer[4], Int(buffer[5]) | Int(buffer[6]) << 8,
                                                   statusPackets ? 4 : 3, 7)
        }
        guard length >= minimumLength else {
            buffer.removeFirst(header.count)
            return .corrupt(id: id)
        }
        let total = prefix + length
        guard buffer.count >= total else { return .needMore(missing: total - buffer.count) }
        let packet = Array(buffer[0..<total])
        buffer.removeFirst(total)
        switch dialect {
        case .feetech:
            guard ServoDialect.feetechChecksum(packet[2..<(total - 1)]) == packet[total - 1] else { return .corrupt(id: id) }
            let code = packet[4]
            return .packet(ServoPacket(id: id, instruction: statusPackets ? 0 : code, error: statusPackets ? code : 0,
                                       parameters: Array(packet[5..<(total - 1)])))
        case .dynamixel2:
            let crc = UInt16(packet[total - 2]) | UInt16(packet[total - 1]) << 8
            guard ServoDialect.crc16(packet[0..<(total - 2)]) == crc else { return .corrupt(id: id) }
            let body = ServoDialect.unstuff(Array(packet[7..<(total - 2)]))
            if statusPackets {
                return .packet(ServoPacket(id: id, instruction: body[0], error: body[1], parameters: Array(body[2...])))
            }
            return .packet(ServoPacket(id: id, instruction: body[0], error: 0, parameters: Array(body[1...])))
        }
    }
}
