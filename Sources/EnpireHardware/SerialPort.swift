#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A byte stream to a servo bus: a USB serial adapter, a pseudo-terminal, or a test double.
///
/// Servo buses are half duplex and request/response: the driver writes one instruction packet and reads the
/// replies with a deadline, so the protocol only needs blocking writes, reads with a timeout, and a way to drop
/// stale input after a fault.
public protocol SerialPort: Sendable {
    /// Writes every byte (blocking until the kernel has taken them).
    func write(_ bytes: [UInt8]) throws
    /// Reads up to `count` bytes, waiting at most `timeoutSeconds` for the first and later bytes; returns fewer
    /// (possibly none) when the deadline passes.
    func read(upTo count: Int, timeoutSeconds: Double) throws -> [UInt8]
    /// Drops bytes received but not read yet (resynchronises the bus after a fault).
    func discardInput() throws
    /// Closes the port; later calls throw ``SerialPortError/closed(_:)``.
    func close()
}

/// Errors of a serial port.
public enum SerialPortError: Error, Equatable, CustomStringConvertible {
    /// The device could not be opened.
    case openFailed(path: String, reason: String)
    /// The baud rate has no termios constant on this system.
    case unsupportedBaudRate(Int)
    /// Configuring the line (termios) failed.
    case configurationFailed(path: String, reason: String)
    /// Reading or writing failed.
    case ioFailed(path: String, reason: String)
    /// The port was closed.
    case closed(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .openFailed(let path, let reason):
            return "cannot open serial port \(path): \(reason); check the cable and the path (ls /dev/serial/by-id), "
                + "and that your user may use it (group dialout, or the udev rule in Docs/Hardware.md)"
        case .unsupportedBaudRate(let rate):
            return "baud rate \(rate) is not supported; use one of \(TermiosSerialPort.supportedBaudRates.sorted())"
        case .configurationFailed(let path, let reason):
            return "cannot configure serial port \(path): \(reason); is it a tty (a USB serial adapter)?"
        case .ioFailed(let path, let reason):
            return "serial I/O on \(path) failed: \(reason); was the adapter unplugged?"
        case .closed(let path): return "serial port \(path) is closed; open it again"
        }
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

/// A POSIX serial port configured with termios: raw mode (no echo, no line editing, no CR/LF translation,
/// 8 data bits, no parity, one stop bit), the requested baud rate, and reads with `poll` deadlines.
public final class TermiosSerialPort: SerialPort {
    /// The device path.
    public let path: String
    /// The configured baud rate.
    public let baudRate: Int
    private let link: OwnedDescriptor

    /// Baud rates with a termios constant (servo buses use 57 600 to 1 000 000).
    public static let supportedBaudRates: Set<Int> = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000,
                                                       576000, 921600, 1_000_000, 2_000_000, 3_000_000, 4_000_000]

    /// Opens `path` and configures it.
    ///
    /// - Throws: ``SerialPortError`` when the device cannot be opened or configured.
    public init(path: String, baudRate: Int) throws {
        guard let speed = Self.speedConstant(baudRate) else { throw SerialPortError.unsupportedBaudRate(baudRate) }
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SerialPortError.openFailed(path: path, reason: errnoText()) }
        do {
            try Self.configure(fd, speed: speed, path: path)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        self.path = path
        self.baudRate = baudRate
        link = OwnedDescriptor(fd, name: path)
    }

    /// Puts `fd` into raw mode at `speed` with non-blocking reads (deadlines come from `poll`).
    static func configure(_ fd: Int32, speed: speed_t, path: String) throws {
        var options = termios()
        guard tcgetattr(fd, &options) == 0 else {
            throw SerialPortError.configurationFailed(path: path, reason: "tcgetattr: \(errnoText())")
        }
        cfmakeraw(&options)
        options.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        options.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(PARENB) | tcflag_t(CRTSCTS))
        options.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard cfsetispeed(&options, speed) == 0, cfsetospeed(&options, speed) == 0 else {
            throw SerialPortError.configurationFailed(path: path, reason: "cfsetspeed: \(errnoText())")
        }
        guard tcsetattr(fd, TCSANOW, &options) == 0 else {
            throw SerialPortError.configurationFailed(path: path, reason: "tcsetattr: \(errnoText())")
        }
        _ = tcflush(fd, TCIOFLUSH)
    }

    static func speedConstant(_ rate: Int) -> speed_t? {
        switch rate {
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115200: return speed_t(B115200)
        case 230400: return speed_t(B230400)
        case 460800: return speed_t(B460800)
        case 500000: return speed_t(B500000)
        case 576000: return speed_t(B576000)
        case 921600: return speed_t(B921600)
        case 1_000_000: return speed_t(B1000000)
        case 2_000_000: return speed_t(B2000000)
        case 3_000_000: return speed_t(B3000000)
        case 4_000_000: return speed_t(B4000000)
        default: return nil
        }
    }

    /// Writes every byte, waiting for the kernel buffer when it is full.
    public func write(_ bytes: [UInt8]) throws { try link.write(bytes) }

    /// Reads up to `count` bytes before the deadline.
    public func read(upTo count: Int, timeoutSeconds: Double) throws -> [UInt8] {
        try link.read(upTo: count, timeoutSeconds: timeoutSeconds)
    }

    /// Drops pending input.
    public func discardInput() throws { _ = tcflush(try link.open(), TCIFLUSH) }

    /// Closes the device.
    public func close() { link.close() }
}

/// A serial link over one end of a connected stream socket (a `socketpair`): the same byte stream as a serial
/// port without the kernel's tty layer in between.
///
/// ``FakeServoBus`` offers it (``FakeServoBus/Wire/socketPair``) so that a timing soak can tell the station's own
/// delays from the pseudo-terminal's (Docs/Hardware.md: on this project's machines the two measured the same).
public final class SocketSerialPort: SerialPort {
    /// A name for messages.
    public let name: String
    private let link: OwnedDescriptor

    /// Takes ownership of `descriptor`, a connected stream socket, and makes it non-blocking.
    init(descriptor: Int32, name: String) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.name = name
        link = OwnedDescriptor(descriptor, name: name)
    }

    /// Writes every byte.
    public func write(_ bytes: [UInt8]) throws { try link.write(bytes) }

    /// Reads up to `count` bytes before the deadline.
    public func read(upTo count: Int, timeoutSeconds: Double) throws -> [UInt8] {
        try link.read(upTo: count, timeoutSeconds: timeoutSeconds)
    }

    /// Drops pending input: reads until the socket has nothing more.
    public func discardInput() throws {
        let descriptor = try link.open()
        var buffer = [UInt8](repeating: 0, count: 512)
        while buffer.withUnsafeMutableBytes({ Glibc.read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Closes the socket.
    public func close() { link.close() }
}

/// A non-blocking descriptor a port owns: closed once (by ``close()`` or when the last reference goes), and
/// refused with ``SerialPortError/closed(_:)`` afterwards.
final class OwnedDescriptor: Sendable {
    private let descriptor: Int32
    private let name: String
    private let isOpen = Mutex(true)

    init(_ descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// The descriptor while it is open.
    func open() throws -> Int32 {
        guard isOpen.withLock({ $0 }) else { throw SerialPortError.closed(name) }
        return descriptor
    }

    func write(_ bytes: [UInt8]) throws { try PosixIO.writeAll(try open(), bytes, path: name) }

    func read(upTo count: Int, timeoutSeconds: Double) throws -> [UInt8] {
        try PosixIO.read(try open(), upTo: count, timeoutSeconds: timeoutSeconds, path: name)
    }

    func close() {
        let wasOpen = isOpen.withLock { open in
            defer { open = false }
            return open
        }
        if wasOpen { _ = Glibc.close(descriptor) }
    }

    deinit { close() }
}

/// Blocking writes and deadline reads on a non-blocking descriptor.
enum PosixIO {
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EAGAIN || errno == EINTR {
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 10)
            } else {
                throw SerialPortError.ioFailed(path: path, reason: "write: \(errnoText())")
            }
        }
    }

    static func read(_ fd: Int32, upTo count: Int, timeoutSeconds: Double, path: String) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeoutSeconds) * 1e9)
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while result.count < count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count - result.count) }
            if got > 0 {
                result.append(contentsOf: buffer[0..<got])
                continue
            }
            if got < 0, errno != EAGAIN, errno != EINTR {
                // A pty whose other end closed reports EIO: no more bytes will come.
                if errno == EIO { return result }
                throw SerialPortError.ioFailed(path: path, reason: "read: \(errnoText())")
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            let remainingMs = Int32(min(1000, max(1, (deadline - now + 999_999) / 1_000_000)))
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, remainingMs)
            if got == 0, descriptor.revents & Int16(POLLHUP) != 0, descriptor.revents & Int16(POLLIN) == 0 {
                // Other end gone (or not opened yet): wait out the deadline in small steps.
                usleep(200)
            }
        }
        return result
    }
}

/// A pseudo-terminal pair (`openpty`): the controller end is held by a fake device, the peripheral path
/// (`/dev/pts/N`) is opened by a driver or a vendor SDK exactly like a USB serial adapter.
public final class PseudoTerminal: Sendable {
    /// Descriptor of the controller (device) side.
    public let controller: Int32
    /// Descriptor of the peripheral side, kept open so the device never sees a hang-up between clients.
    private let peripheral: Int32
    /// Path of the peripheral side, for example `/dev/pts/3`.
    public let peripheralPath: String
    private let isOpen = Mutex(true)

    /// Opens a new pseudo-terminal in raw mode.
    ///
    /// - Throws: ``SerialPortError/openFailed(path:reason:)`` when the system has no free pty.
    public init() throws {
        var controllerFD: Int32 = -1
        var peripheralFD: Int32 = -1
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&controllerFD, &peripheralFD, &name, nil, nil) == 0 else {
            throw SerialPortError.openFailed(path: "openpty", reason: errnoText())
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            try TermiosSerialPort.configure(peripheralFD, speed: speed_t(B1000000), path: path)
        } catch {
            _ = Glibc.close(controllerFD)
            _ = Glibc.close(peripheralFD)
            throw error
        }
        _ = fcntl(controllerFD, F_SETFL, fcntl(controllerFD, F_GETFL) | O_NONBLOCK)
        controller = controllerFD
        peripheral = peripheralFD
        peripheralPath = path
    }

    /// Closes both ends.
    public func close() {
        let wasOpen = isOpen.withLock { open in
            defer { open = false }
            return open
        }
        if wasOpen {
            _ = Glibc.close(controller)
            _ = Glibc.close(peripheral)
        }
    }

    deinit { close() }
}
