#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Enpire
public import Foundation
import Synchronization

/// Key presses read from a terminal (or any file handle, such as a pipe), without waiting for Enter.
///
/// On a TTY, `rawMode` switches the terminal to non-canonical input without echo (Ctrl-C still interrupts) and
/// ``restore()`` (also run on deinit) puts the saved settings back. ``pollKeys()`` never blocks: it returns the
/// keys that arrived since the last call. Arrow keys (`ESC [ A`…`D`, also `ESC O A`…`D`) and WASD move; space or
/// Enter hands control back; other bytes are ignored. An escape sequence split across reads is completed on the
/// next call.
public final class KeyboardInput: Sendable {
    /// A key the teleoperator understands.
    public enum Key: Sendable, Equatable {
        /// Arrow up or W.
        case up
        /// Arrow down or S.
        case down
        /// Arrow left or A.
        case left
        /// Arrow right or D.
        case right
        /// Space or Enter: give control back to the policy.
        case handBack
    }

    private struct State: @unchecked Sendable {
        var pending: [UInt8] = []
        var saved: termios?
        var endOfInput = false
    }

    private let descriptor: Int32
    private let handle: FileHandle
    private let state = Mutex(State())

    /// Reads keys from `fileHandle` (for example `FileHandle.standardInput`); with `rawMode` and a TTY, the
    /// terminal is switched to unbuffered input without echo until ``restore()``.
    public init(fileHandle: FileHandle, rawMode: Bool = true) throws {
        handle = fileHandle
        descriptor = fileHandle.fileDescriptor
        guard rawMode, isatty(descriptor) == 1 else { return }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            throw TeleoperationError.terminal("cannot read the terminal settings: \(String(cString: strerror(errno)))")
        }
        let saved = settings
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else {
            throw TeleoperationError.terminal("cannot switch the terminal to raw input: \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.saved = saved }
    }

    deinit { restore() }

    /// Whether the terminal is in raw mode (false for pipes and after ``restore()``).
    public var isRaw: Bool { state.withLock { $0.saved != nil } }

    /// Puts the terminal settings back (no effect on pipes or when already restored).
    public func restore() {
        state.withLock { state in
            guard var saved = state.saved else { return }
            _ = tcsetattr(descriptor, TCSANOW, &saved)
            state.saved = nil
        }
    }

    /// The keys that arrived since the last call (never blocks).
    public func pollKeys() throws -> [Key] {
        try state.withLock { state in
            while !state.endOfInput {
                var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&request, 1, 0)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw TeleoperationError.terminal("poll failed: \(String(cString: strerror(errno)))")
                }
                guard ready > 0 else { break }
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw TeleoperationError.terminal("read failed: \(String(cString: strerror(errno)))")
                }
                if count == 0 {
                    state.endOfInput = true
                    break
                }
                state.pending += buffer[..<count]
            }
            return Self.parse(&state.pending)
        }
    }

    /// Parses complete keys off the front of `bytes`, leaving an unfinished escape sequence in place.
    static func parse(_ bytes: inout [UInt8]) -> [Key] {
        var keys: [Key] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1B {
                guard index + 2 < bytes.count else { break }  // wait for the rest of the sequence
                if bytes[index + 1] == UInt8(ascii: "[") || bytes[index + 1] == UInt8(ascii: "O") {
                    switch bytes[index + 2] {
                    case UInt8(ascii: "A"): keys.append(.up)
                    case UInt8(ascii: "B"): keys.append(.down)
                    case UInt8(ascii: "C"): keys.append(.right)
                    case UInt8(ascii: "D"): keys.append(.left)
                    default: break
                    }
                    index += 3
                } else {
                    index += 1
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "w"), UInt8(ascii: "W"): keys.append(.up)
            case UInt8(ascii: "s"), UInt8(ascii: "S"): keys.append(.down)
            case UInt8(ascii: "a"), UInt8(ascii: "A"): keys.append(.left)
            case UInt8(ascii: "d"), UInt8(ascii: "D"): keys.append(.right)
            case UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\n"): keys.append(.handBack)
            default: break
            }
            index += 1
        }
        bytes.removeFirst(index)
        return keys
    }
}

/// A person moving a planar arm's target with the keyboard (Push-T's pusher), as an `InterventionSource`.
///
/// The first movement key takes the episode over: the target starts at the arm's observed position and each key
/// press moves it by ``stepSize`` (in the arm's units: pixels for Push-T) along x (left/right) or y (up/down).
/// The target stays where the person left it until space or Enter hands control back to the policy. Only the first
/// two axes of the arm at ``armIndex`` are driven; other arms keep the policy's commands on those steps. The
/// station's safety envelope applies to every target.
public struct KeyboardTeleoperator: InterventionSource {
    /// Where keys come from.
    public let input: KeyboardInput
    /// The arm driven.
    public let armIndex: Int
    /// Target motion per key press.
    public let stepSize: Double
    /// Whether "up" decreases y (image coordinates) rather than increasing it.
    public let upIsNegativeY: Bool
    private var target: [Double]?

    /// Creates a teleoperator; throws ``TeleoperationError/invalidSetting(_:)`` for a non-positive step.
    public init(input: KeyboardInput, armIndex: Int = 0, stepSize: Double = 10, upIsNegativeY: Bool = false) throws {
        guard stepSize.isFinite, stepSize > 0, armIndex >= 0 else {
            throw TeleoperationError.invalidSetting(
                "stepSize (\(stepSize)) must be positive and armIndex (\(armIndex)) not negative")
        }
        self.input = input
        self.armIndex = armIndex
        self.stepSize = stepSize
        self.upIsNegativeY = upIsNegativeY
    }

    /// Whether the person holds the intervention.
    public var isHolding: Bool { target != nil }

    /// Drops keys pressed before the episode and hands control to the policy.
    public mutating func beginEpisode() async throws {
        target = nil
        _ = try input.pollKeys()
    }

    /// The person's target while they hold, else nil.
    public mutating func commands(for observation: Observation, policyRequested: [ArmCommand]) async throws
        -> [ArmCommand]? {
        guard observation.arms.indices.contains(armIndex), policyRequested.indices.contains(armIndex),
              observation.arms[armIndex].position.count >= 2 else {
            throw TeleoperationError.invalidSetting(
                "armIndex \(armIndex) is not a planar arm of the station's \(observation.arms.count) arms")
        }
        let up = upIsNegativeY ? -stepSize : stepSize
        for key in try input.pollKeys() {
            if key == .handBack {
                target = nil
                continue
            }
            var moved = target ?? observation.arms[armIndex].position
            switch key {
            case .up: moved[1] += up
            case .down: moved[1] -= up
            case .left: moved[0] -= stepSize
            case .right: moved[0] += stepSize
            case .handBack: break
            }
            target = moved
        }
        guard let target else { return nil }
        var commands = policyRequested
        commands[armIndex] = .moveTo(target)
        return commands
    }
}
