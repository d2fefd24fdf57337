#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A fault a ``FakeServoBus`` injects into one servo's replies.
public enum FakeServoFault: Sendable, Equatable {
    /// The servo stays silent.
    case noReply
    /// The reply's checksum (Feetech) or CRC (Dynamixel) is wrong.
    case badChecksum
    /// Only the first half of the reply is sent.
    case tornPacket
    /// The reply carries another servo id.
    case wrongID(UInt8)
    /// The servo reports hardware-fault bits (Feetech: status error byte; Dynamixel: the alert bit plus the
    /// hardware-error register), for example `0x20` overload or `0x04` overheating.
    case status(UInt8)
}

/// An emulated servo bus on a pseudo-terminal (or a socket pair): servos with real control tables behind the
/// peripheral path (`/dev/pts/N`), answering the same packets a real bus does, moving each joint toward its goal
/// at the model's rated speed while torque is on, and injecting faults on request.
///
/// Drivers and vendor SDKs open ``path`` like a USB serial adapter. Each servo follows its vendor's rules for the
/// homing offset (Feetech: present = encoder − offset; Dynamixel: present = encoder + offset) and its EEPROM
/// position limits (goals are clamped to them).
public final class FakeServoBus: Sendable {
    /// One emulated servo.
    struct Servo {
        var model: ServoModel
        var table: [UInt8]
        /// Encoder position (ticks) of the shaft.
        var encoder: Double
        var velocityTicks: Double = 0
        var lastUpdate: UInt64

        func value(_ register: ServoRegister) -> Int {
            register.decode(table[register.address..<(register.address + register.size)])
        }

        mutating func set(_ register: ServoRegister, _ value: Int) {
            table.replaceSubrange(register.address..<(register.address + register.size), with: register.encode(value))
        }

        var offsetSign: Double { model.dialect == .feetech ? -1 : 1 }

        /// Advances the joint model to `now` and refreshes the present registers.
        mutating func update(now: UInt64) {
            let dt = Double(now &- lastUpdate) / 1e9
            lastUpdate = now
            let offset = Double(value(model.homingOffset)) * offsetSign
            if value(model.torqueEnable) == 1 {
                let lower = Double(value(model.minPositionLimit)), upper = Double(value(model.maxPositionLimit))
                var goal = Double(value(model.goalPosition))
                if upper > lower { goal = min(max(goal, lower), upper) }
                let target = goal - offset
                let speed = model.ratedSpeedRadPerSecond * Double(model.resolution) / (2 * Double.pi)
                let step = min(abs(target - encoder), speed * dt)
                let delta = target >= encoder ? step : -step
                encoder += delta
                velocityTicks = dt > 0 ? delta / dt : 0
            } else {
                velocityTicks = 0
            }
            set(model.presentPosition, Int((encoder + offset).rounded()))
            let perUnit = model.velocityUnitRadPerSecond * Double(model.resolution) / (2 * Double.pi)
            set(model.presentVelocity, Int((velocityTicks / perUnit).rounded()))
        }
    }

    struct State {
        var servos: [UInt8: Servo] = [:]
        var faults: [UInt8: (fault: FakeServoFault, remaining: Int?)] = [:]
        var instructions = 0
        var writes = 0
        var running = true
    }

    /// What carries the bytes between a driver and the fake.
    public enum Wire: Sendable {
        /// A pseudo-terminal: drivers and vendor SDKs open ``FakeServoBus/path`` like a USB serial adapter.
        case pseudoTerminal
        /// A socket pair: one driver takes the other end from ``FakeServoBus/takePort()``. No tty layer, for
        /// timing soaks that tell the station's delays from the pseudo-terminal's.
        case socketPair
    }

    /// The protocol the servos speak.
    public let dialect: ServoDialect
    /// Path drivers open (`/dev/pts/N`); for a socket pair, a name for messages (`socketpair:N`).
    public let path: String
    /// Baud rate whose wire time the fake waits before each reply (`nil`: reply at once).
    public let emulatedBaudRate: Int?
    /// The wire.
    public var wire: Wire { terminal == nil ? .socketPair : .pseudoTerminal }
    /// The pseudo-terminal (nil on a socket pair).
    private let terminal: PseudoTerminal?
    /// The descriptor the fake reads and writes: the pty's controller side or its end of the socket pair.
    private let device: Int32
    /// The driver's end of the socket pair, until ``takePort()`` hands it out.
    private let driverEnd: Mutex<Int32?>
    private let state: Mutex<State>
    private let finished = Mutex(false)

    /// Starts a fake bus with `servos` (id → model) at their encoder mid-points (2048), torque off, position
    /// limits 0…4095 and zero homing offsets.
    ///
    /// - Throws: ``SerialPortError/openFailed(path:reason:)`` when no pseudo-terminal or socket pair can be made.
    public init(dialect: ServoDialect, servos: [UInt8: ServoModel], emulatedBaudRate: Int? = nil,
                wire: Wire = .pseudoTerminal) throws {
        switch wire {
        case .pseudoTerminal:
            let terminal = try PseudoTerminal()
            self.terminal = terminal
            device = terminal.controller
            path = terminal.peripheralPath
            driverEnd = Mutex(nil)
        case .socketPair:
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                throw SerialPortError.openFailed(path: "socketpair", reason: String(cString: strerror(errno)))
            }
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            terminal = nil
            device = ends[0]
            path = "socketpair:\(ends[0])"
            driverEnd = Mutex(ends[1])
        }
        self.dialect = dialect
        self.emulatedBaudRate = emulatedBaudRate
        let now = DispatchTime.now().uptimeNanoseconds
        var initial = State()
        for (id, model) in servos {
            var servo = Servo(model: model, table: [UInt8](repeating: 0, count: 256), encoder: 2048, lastUpdate: now)
            servo.set(model.modelNumberRegister, model.modelNumber)
            servo.table[model.dialect == .feetech ? 5 : 7] = id
            servo.set(model.minPositionLimit, 0)
            servo.set(model.maxPositionLimit, model.resolution - 1)
            if let velocityLimit = model.velocityLimit {
                servo.set(velocityLimit, Int(model.ratedSpeedRadPerSecond / model.velocityUnitRadPerSecond))
            }
            servo.set(model.presentTemperature, 30)
            servo.set(model.goalPosition, 2048)
            servo.update(now: now)
            initial.servos[id] = servo
        }
        state = Mutex(initial)
        let thread = Thread { [self] in serve() }
        thread.name = "FakeServoBus \(path)"
        thread.start()
    }

    /// Stops serving and closes the pseudo-terminal.
    public func close() {
        state.withLock { $0.running = false }
        while !finished.withLock({ $0 }) { usleep(500) }
        if let terminal {
            terminal.close()
        } else {
            _ = Glibc.close(device)
            if let end = driverEnd.withLock({ $0.take() }) { _ = Glibc.close(end) }
        }
    }

    /// The driver's end of a socket-pair wire, as a ``SerialPort`` (once; `nil` afterwards and on a pseudo-terminal,
    /// whose ``path`` drivers open instead).
    public func takePort() -> SocketSerialPort? {
        guard let end = driverEnd.withLock({ $0.take() }) else { return nil }
        return SocketSerialPort(descriptor: end, name: path)
    }

    /// Injects `fault` into servo `id`'s next `count` replies (`nil`: until ``clearFaults()``).
    public func inject(_ fault: FakeServoFault, id: UInt8, count: Int? = 1) {
        state.withLock { state in
            state.faults[id] = (fault, count)
            if case .status(let flags) = fault, let servo = state.servos[id], let register = servo.model.hardwareError {
                state.servos[id]?.set(register, Int(flags))
            }
        }
    }

    /// Removes every injected fault.
    public func clearFaults() {
        state.withLock { state in
            state.faults.removeAll()
            for (id, servo) in state.servos {
                if let register = servo.model.hardwareError { state.servos[id]?.set(register, 0) }
            }
        }
    }

    /// Reads a register of servo `id` as the servo holds it (for checks).
    public func register(_ register: ServoRegister, of id: UInt8) -> Int? {
        state.withLock { state in
            state.servos[id]?.update(now: DispatchTime.now().uptimeNanoseconds)
            return state.servos[id]?.value(register)
        }
    }

    /// Sets a register of servo `id` directly (EEPROM set-up before a test).
    public func setRegister(_ register: ServoRegister, of id: UInt8, to value: Int) {
        state.withLock { $0.servos[id]?.set(register, value) }
    }

    /// Moves the shaft of servo `id` to `encoder` ticks, as a hand moving an unpowered joint would.
    public func moveShaft(of id: UInt8, toEncoder encoder: Double) {
        state.withLock { state in
            state.servos[id]?.encoder = encoder
            state.servos[id]?.update(now: DispatchTime.now().uptimeNanoseconds)
        }
    }

    /// Instruction packets received so far.
    public var instructionCount: Int { state.withLock { $0.instructions } }

    /// Write and sync-write instructions received so far (commands that could move a joint).
    public var writeCount: Int { state.withLock { $0.writes } }

    // MARK: - Serving

    private func serve() {
        var parser = ServoPacketParser(dialect: dialect, statusPackets: false)
        var buffer = [UInt8](repeating: 0, count: 512)
        defer { finished.withLock { $0 = true } }
        while state.withLock({ $0.running }) {
            var descriptor = pollfd(fd: device, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 5) > 0 else { continue }
            let got = buffer.withUnsafeMutableBytes { Glibc.read(device, $0.baseAddress, $0.count) }
            guard got > 0 else {
                usleep(1000)
                continue
            }
            parser.push(Array(buffer[0..<got]))
            while case .packet(let packet) = parser.next() {
                // The replies to one packet (six for a sync read) follow each other on the wire: one wait for
                // their total wire time, then one write, instead of a wake-up per reply (whose scheduling delays
                // would add up to milliseconds a real bus does not have).
                let replies = handle(packet)
                let bytes = replies.flatMap { $0 }
                guard !bytes.isEmpty else { continue }
                if let baud = emulatedBaudRate {
                    usleep(useconds_t(Double(bytes.count * 10) / Double(baud) * 1e6))
                }
                try? PosixIO.writeAll(device, bytes, path: path)
            }
        }
    }

    /// Handles one instruction; returns the status packets to send, in order.
    private func handle(_ packet: ServoPacket) -> [[UInt8]] {
        state.withLock { state in
            state.instructions += 1
            let now = DispatchTime.now().uptimeNanoseconds
            let field = dialect.addressWidth
            func number(_ bytes: ArraySlice<UInt8>) -> Int {
                bytes.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            }
            let p = packet.parameters
            guard let instruction = ServoDialect.Instruction(rawValue: packet.instruction) else { return [] }
            switch instruction {
            case .ping:
                guard state.servos[packet.id] != nil else { return [] }
                if dialect == .dynamixel2, let servo = state.servos[packet.id] {
                    let model = servo.value(servo.model.modelNumberRegister)
                    return reply(&state, id: packet.id, [UInt8(model & 0xFF), UInt8(model >> 8), 52])
                }
                return reply(&state, id: packet.id, [])
            case .read:
                guard p.count >= 2 * field, state.servos[packet.id] != nil else { return [] }
                let address = number(p[0..<field]), length = number(p[field..<(2 * field)])
                state.servos[packet.id]?.update(now: now)
                guard let table = state.servos[packet.id]?.table, address + length <= table.count else { return [] }
                return reply(&state, id: packet.id, Array(table[address..<(address + length)]))
            case .write:
                guard p.count > field, state.servos[packet.id] != nil else { return [] }
                state.writes += 1
                write(&state, id: packet.id, address: number(p[0..<field]), data: Array(p[field...]), now: now)
                return reply(&state, id: packet.id, [])
            case .syncWrite:
                guard p.count >= 2 * field else { return [] }
                state.writes += 1
                let address = number(p[0..<field]), length = number(p[field..<(2 * field)])
                var index = 2 * field
                while index + 1 + length <= p.count {
                    write(&state, id: p[index], address: address, data: Array(p[(index + 1)..<(index + 1 + length)]),
                          now: now)
                    index += 1 + length
                }
                return []
            case .syncRead:
                guard p.count >= 2 * field else { return [] }
                let address = number(p[0..<field]), length = number(p[field..<(2 * field)])
                return p[(2 * field)...].flatMap { id -> [[UInt8]] in
                    state.servos[id]?.update(now: now)
                    guard let table = state.servos[id]?.table, address + length <= table.count else { return [] }
                    return reply(&state, id: id, Array(table[address..<(address + length)]))
                }
            case .status:
                return []
            }
        }
    }

    private func write(_ state: inout State, id: UInt8, address: Int, data: [UInt8], now: UInt64) {
        guard var servo = state.servos[id], address + data.count <= servo.table.count else { return }
        servo.update(now: now)
        servo.table.replaceSubrange(address..<(address + data.count), with: data)
        state.servos[id] = servo
    }

    /// Builds servo `id`'s status packet with `data`, applying its injected fault.
    private func reply(_ state: inout State, id: UInt8, _ data: [UInt8]) -> [[UInt8]] {
        var fault: FakeServoFault?
        if let entry = state.faults[id] {
            fault = entry.fault
            if let remaining = entry.remaining {
                state.faults[id] = remaining <= 1 ? nil : (entry.fault, remaining - 1)
            }
        }
        var replyID = id
        var errorByte: UInt8 = 0
        switch fault {
        case .noReply: return []
        case .wrongID(let other): replyID = other
        case .status(let flags): errorByte = dialect == .feetech ? flags : 0x80
        default: break
        }
        var packet: [UInt8]
        switch dialect {
        case .feetech:
            packet = dialect.encode(id: replyID, instruction: errorByte, parameters: data)
        case .dynamixel2:
            packet = dialect.encode(id: replyID, instruction: ServoDialect.Instruction.status.rawValue,
                                    parameters: [errorByte] + data)
        }
        switch fault {
        case .badChecksum: packet[packet.count - 1] ^= 0x5A
        case .tornPacket: packet = Array(packet.prefix(max(1, packet.count / 2)))
        default: break
        }
        return [packet]
    }
}
