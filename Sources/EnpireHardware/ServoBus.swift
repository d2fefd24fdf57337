import Foundation

/// What went wrong on a servo bus, with the servo and what to do.
public enum ServoBusError: Error, Equatable, CustomStringConvertible {
    /// No reply before the deadline.
    case noReply(id: UInt8)
    /// A reply arrived but its checksum or CRC was wrong (noise, wrong baud rate, two servos with one id).
    case corruptReply(id: UInt8)
    /// A reply started but stopped before it was complete.
    case tornReply(id: UInt8, received: Int)
    /// A reply came from another servo than the one asked.
    case wrongID(expected: UInt8, got: UInt8)
    /// The servo reported a hardware fault (overload, overheating, voltage, ...).
    case servoFault(id: UInt8, flags: UInt8, meaning: String)
    /// The servo rejected the instruction (Dynamixel error codes 1–7).
    case instructionRejected(id: UInt8, code: UInt8)
    /// A reply was well formed but had the wrong size.
    case unexpectedLength(id: UInt8, expected: Int, got: Int)
    /// A servo answered with another model number than configured.
    case wrongModel(id: UInt8, expected: Int, got: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .noReply(let id):
            return "servo \(id) did not answer; check its power, cable and id, and the bus baud rate"
        case .corruptReply(let id):
            return "reply from servo \(id) failed its checksum; check the baud rate, the cable, and that no two servos "
                + "share an id"
        case .tornReply(let id, let received):
            return "reply from servo \(id) stopped after \(received) bytes; check the cable and the adapter's latency "
                + "timer (1 ms, see Docs/Hardware.md)"
        case .wrongID(let expected, let got):
            return "servo \(got) answered a request to servo \(expected); two servos may share id \(expected) or the "
                + "bus is out of step"
        case .servoFault(let id, let flags, let meaning):
            return String(format: "servo %d reports a fault (0x%02X: %@); remove the load, let it cool, power-cycle it",
                          Int(id), Int(flags), meaning)
        case .instructionRejected(let id, let code):
            return "servo \(id) rejected the instruction (error code \(code)); check the register address and size"
        case .unexpectedLength(let id, let expected, let got):
            return "servo \(id) sent \(got) bytes where \(expected) were expected; check the servo model"
        case .wrongModel(let id, let expected, let got):
            return "servo \(id) is model \(got), not \(expected); check the arm configuration"
        }
    }
}

/// A servo bus driver: instruction packets out, status packets in, with deadlines and resynchronisation.
///
/// One actor owns one serial port, so transactions never interleave. After any failed transaction the input is
/// discarded, so a late or torn reply cannot be mistaken for the next one's.
public actor ServoBus {
    /// The protocol.
    public nonisolated let dialect: ServoDialect
    private let port: any SerialPort
    /// Deadline for one status packet, in seconds.
    public var replyTimeoutSeconds: Double
    /// Instruction packets sent so far.
    public private(set) var packetsSent = 0
    /// Status packets received so far.
    public private(set) var packetsReceived = 0
    /// How a status packet's error byte is interpreted (fault meanings).
    private let faultModel: ServoModel
    private var parser: ServoPacketParser

    /// Creates a driver on an open port.
    public init(port: any SerialPort, dialect: ServoDialect, replyTimeoutSeconds: Double = 0.02) {
        self.port = port
        self.dialect = dialect
        self.replyTimeoutSeconds = replyTimeoutSeconds
        faultModel = dialect == .feetech ? .sts3215 : .xl330
        parser = ServoPacketParser(dialect: dialect, statusPackets: true)
    }

    /// Opens `path` with termios at `baudRate` and creates a driver on it.
    public init(path: String, baudRate: Int = 1_000_000, dialect: ServoDialect, replyTimeoutSeconds: Double = 0.02) throws {
        self.init(port: try TermiosSerialPort(path: path, baudRate: baudRate), dialect: dialect,
                  replyTimeoutSeconds: replyTimeoutSeconds)
    }

    /// Closes the port.
    public func close() { port.close() }

    private func send(id: UInt8, _ instruction: ServoDialect.Instruction, _ parameters: [UInt8]) throws {
        try port.write(dialect.encode(id: id, instruction: instruction.rawValue, parameters: parameters))
        packetsSent += 1
    }

    /// Reads one status packet expected from `id`; checks id, integrity and the error byte.
    /// In a sync read, a reply from a servo later in `laterIDs` means `id` stayed silent.
    private func receive(from id: UInt8, ignoreAlert: Bool = false, laterIDs: ArraySlice<UInt8> = []) throws -> ServoPacket {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(replyTimeoutSeconds * 1e9)
        var received = 0
        while true {
            switch parser.next() {
            case .packet(let packet):
                packetsReceived += 1
                guard packet.id == id else {
                    if laterIDs.contains(packet.id) { throw ServoBusError.noReply(id: id) }
                    throw ServoBusError.wrongID(expected: id, got: packet.id)
                }
                try check(packet, ignoreAlert: ignoreAlert)
                return packet
            case .corrupt(let corruptID):
                throw ServoBusError.corruptReply(id: corruptID == id ? id : corruptID)
            case .needMore(let missing):
                let now = DispatchTime.now().uptimeNanoseconds
                guard now < deadline else {
                    if received > 0 || parser.pending > 0 {
                        throw ServoBusError.tornReply(id: id, received: max(received, parser.pending))
                    }
                    throw ServoBusError.noReply(id: id)
                }
                let bytes = try port.read(upTo: max(missing, 1), timeoutSeconds: Double(deadline - now) / 1e9)
                received += bytes.count
                parser.push(bytes)
            }
        }
    }

    private func check(_ packet: ServoPacket, ignoreAlert: Bool) throws {
        switch dialect {
        case .feetech:
            if packet.error != 0 {
                throw ServoBusError.servoFault(id: packet.id, flags: packet.error,
                                               meaning: faultModel.describeFaults(packet.error))
            }
        case .dynamixel2:
            let code = packet.error & 0x7F
            if code != 0 { throw ServoBusError.instructionRejected(id: packet.id, code: code) }
            if packet.error & 0x80 != 0, !ignoreAlert {
                // Hardware alert: the hardware-error register says which, read once the bus is quiet.
                throw HardwareAlert(id: packet.id)
            }
        }
    }

    /// A Dynamixel status packet with the alert bit set.
    private struct HardwareAlert: Error {
        var id: UInt8
    }

    /// Runs one transaction; on failure waits until the line is quiet (other servos of a sync read may still be
    /// answering) and drops what arrived, so the next transaction starts clean.
    private func transaction<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            drain()
            if let alert = error as? HardwareAlert {
                let flags = (try? readRaw(id: alert.id, address: faultModel.hardwareError?.address ?? 70, length: 1,
                                          ignoreAlert: true).first) ?? 0
                drain()
                throw ServoBusError.servoFault(id: alert.id, flags: flags, meaning: faultModel.describeFaults(flags))
            }
            throw error
        }
    }

    /// Reads and drops input until the line has been quiet for two milliseconds (at most 50 ms).
    private func drain() {
        parser.clear()
        let deadline = DispatchTime.now().uptimeNanoseconds + 50_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let bytes = try? port.read(upTo: 512, timeoutSeconds: 0.002), !bytes.isEmpty else { break }
        }
        try? port.discardInput()
    }

    /// Pings a servo; returns its model number.
    public func ping(id: UInt8) throws -> Int {
        try transaction {
            try send(id: id, .ping, [])
            let reply = try receive(from: id)
            if dialect == .dynamixel2 {
                guard reply.parameters.count >= 2 else {
                    throw ServoBusError.unexpectedLength(id: id, expected: 3, got: reply.parameters.count)
                }
                return Int(reply.parameters[0]) | Int(reply.parameters[1]) << 8
            }
            // Feetech ping replies carry no data: the model number is register 3.
            return ServoModel.sts3215.modelNumberRegister.decode(
                try readRaw(id: id, address: 3, length: 2, ignoreAlert: false))
        }
    }

    private func readRaw(id: UInt8, address: Int, length: Int, ignoreAlert: Bool) throws -> [UInt8] {
        try send(id: id, .read, dialect.field(address) + dialect.field(length))
        let reply = try receive(from: id, ignoreAlert: ignoreAlert)
        guard reply.parameters.count == length else {
            throw ServoBusError.unexpectedLength(id: id, expected: length, got: reply.parameters.count)
        }
        return reply.parameters
    }

    /// Reads `length` bytes from `address` of servo `id`.
    public func read(id: UInt8, address: Int, length: Int) throws -> [UInt8] {
        try transaction { try readRaw(id: id, address: address, length: length, ignoreAlert: false) }
    }

    /// Reads one register.
    public func read(id: UInt8, _ register: ServoRegister) throws -> Int {
        register.decode(try read(id: id, address: register.address, length: register.size))
    }

    /// Writes `data` at `address` of servo `id` and waits for the acknowledgement.
    public func write(id: UInt8, address: Int, data: [UInt8]) throws {
        try transaction {
            try send(id: id, .write, dialect.field(address) + data)
            _ = try receive(from: id)
        }
    }

    /// Writes one register.
    public func write(id: UInt8, _ register: ServoRegister, value: Int) throws {
        try write(id: id, address: register.address, data: register.encode(value))
    }

    /// Turns torque on or off on every servo in `ids`.
    public func setTorque(_ enabled: Bool, ids: [UInt8], register: ServoRegister) throws {
        for id in ids { try write(id: id, register, value: enabled ? 1 : 0) }
    }

    /// Reads `length` bytes at `address` from every servo in `ids` with one instruction; each servo answers in
    /// turn. Returns the bytes per servo, in `ids` order.
    public func syncRead(ids: [UInt8], address: Int, length: Int) throws -> [[UInt8]] {
        try transaction {
            try send(id: ServoDialect.broadcastID, .syncRead, dialect.field(address) + dialect.field(length) + ids)
            return try ids.enumerated().map { index, id in
                let reply = try receive(from: id, laterIDs: ids[(index + 1)...])
                guard reply.parameters.count == length else {
                    throw ServoBusError.unexpectedLength(id: id, expected: length, got: reply.parameters.count)
                }
                return reply.parameters
            }
        }
    }

    /// Writes `data[i]` at `address` of servo `ids[i]` with one instruction (no replies).
    public func syncWrite(ids: [UInt8], address: Int, data: [[UInt8]]) throws {
        guard let length = data.first?.count, ids.count == data.count, data.allSatisfy({ $0.count == length }) else {
            throw ServoBusError.unexpectedLength(id: ServoDialect.broadcastID, expected: ids.count, got: data.count)
        }
        var parameters = dialect.field(address) + dialect.field(length)
        for (id, bytes) in zip(ids, data) { parameters += [id] + bytes }
        try transaction { try send(id: ServoDialect.broadcastID, .syncWrite, parameters) }
    }

    /// Bytes on the wire for one sync read of `length` bytes from `servos` servos plus one sync write of
    /// `writeLength` bytes to each (unstuffed sizes), for comparing a cycle with the bus budget.
    public nonisolated func cycleBytes(servos: Int, readLength: Int, writeLength: Int) -> Int {
        let overhead = dialect == .feetech ? 6 : 10  // header, id, length, instruction, checksum/CRC
        let statusOverhead = dialect == .feetech ? 6 : 11  // ... plus error byte
        let field = dialect.addressWidth
        let readRequest = overhead + 2 * field + servos
        let replies = servos * (statusOverhead + readLength)
        let writeRequest = overhead + 2 * field + servos * (1 + writeLength)
        return readRequest + replies + writeRequest
    }
}
