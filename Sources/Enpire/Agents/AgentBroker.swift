public import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A request the agent sends from inside its sandbox: the `enpire` arguments it ran.
public struct AgentBrokerRequest: Codable, Sendable, Equatable {
    /// Command-line arguments after the executable name.
    public var arguments: [String]

    /// Creates a request.
    public init(arguments: [String]) {
        self.arguments = arguments
    }
}

/// The runner's answer: what the command printed and its exit status.
public struct AgentBrokerResponse: Codable, Sendable, Equatable {
    /// Exit status to exit with.
    public var status: Int32
    /// Text for standard output.
    public var standardOutput: String
    /// Text for standard error.
    public var standardError: String

    /// Creates a response.
    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

/// Errors of the broker's socket.
public enum AgentBrokerError: Error, Equatable, CustomStringConvertible {
    /// The socket path does not fit a Unix socket address.
    case pathTooLong(String)
    /// A socket call failed.
    case socket(operation: String, path: String, reason: String)
    /// The runner's answer was not readable.
    case badResponse(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .pathTooLong(let path): return "socket path \(path) is too long for a Unix socket; use a shorter temporary folder"
        case let .socket(operation, path, reason):
            return "cannot \(operation) the runner socket \(path): \(reason) (is `enpire agent` still running?)"
        case .badResponse(let reason): return "the runner's answer was not readable: \(reason)"
        }
    }
}

/// The runner's side of the channel between a sandboxed agent and the operator: a Unix socket that accepts one
/// JSON ``AgentBrokerRequest`` per connection and answers with one ``AgentBrokerResponse``.
///
/// The agent cannot read the operator folder, so the commands that need it (trials, decisions, held-out
/// evaluation, budgets) run on the runner's side of this socket; the handler decides which requests to serve.
/// Each connection is served on a thread of its own; requests larger than 1 MiB are refused.
public final class AgentBroker: @unchecked Sendable {
    /// Where the socket is bound.
    public let socketURL: URL
    private let descriptor: Int32
    private let handler: @Sendable (AgentBrokerRequest) async -> AgentBrokerResponse
    private let lock = NSLock()
    private var closed = false

    /// Largest request accepted, in bytes.
    public static let maximumRequestBytes = 1 << 20

    /// Binds and listens at `socketURL` (mode 0600) and starts serving with `handler`.
    public init(socketURL: URL, handler: @escaping @Sendable (AgentBrokerRequest) async -> AgentBrokerResponse) throws {
        self.socketURL = socketURL
        self.handler = handler
        unlink(socketURL.path)
        descriptor = try Self.socket(path: socketURL.path) { fd, address, length in
            guard bind(fd, address, length) == 0 else { return "bind" }
            guard chmod(socketURL.path, 0o600) == 0, listen(fd, 64) == 0 else { return "listen on" }
            return nil
        }
        let server = self
        Thread.detachNewThread { server.acceptLoop() }
    }

    deinit { close() }

    /// Stops accepting connections and removes the socket file.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        shutdown(descriptor, Int32(SHUT_RDWR))
        closeDescriptor(descriptor)
        unlink(socketURL.path)
    }

    private var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    private func acceptLoop() {
        while !isClosed {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let handler = self.handler
            Thread.detachNewThread { Self.serve(connection, handler: handler) }
        }
    }

    private static func serve(_ connection: Int32, handler: @escaping @Sendable (AgentBrokerRequest) async -> AgentBrokerResponse) {
        let handle = FileHandle(fileDescriptor: connection, closeOnDealloc: true)
        let response: AgentBrokerResponse
        if let data = readAll(handle, limit: maximumRequestBytes),
           let request = try? JSONDecoder().decode(AgentBrokerRequest.self, from: data) {
            // The handler is async; this connection's own thread waits for it, never a cooperative thread.
            let box = ResponseBox()
            let done = DispatchSemaphore(value: 0)
            Task {
                box.value = await handler(request)
                done.signal()
            }
            done.wait()
            response = box.value ?? AgentBrokerResponse(status: 1, standardOutput: "", standardError: "runner gave no answer\n")
        } else {
            response = AgentBrokerResponse(status: 64, standardOutput: "",
                                           standardError: "request refused: not one JSON request of at most 1 MiB\n")
        }
        if let data = try? JSONEncoder().encode(response) { try? handle.write(contentsOf: data) }
        try? handle.close()
    }

    /// Sends `request` to the broker at `socketURL` and waits for its answer.
    public static func send(_ request: AgentBrokerRequest, to socketURL: URL) throws -> AgentBrokerResponse {
        let fd = try socket(path: socketURL.path) { fd, address, length in
            connect(fd, address, length) == 0 ? nil : "connect to"
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: JSONEncoder().encode(request))
        } catch {
            throw AgentBrokerError.socket(operation: "write to", path: socketURL.path, reason: "\(error)")
        }
        shutdown(fd, Int32(SHUT_WR))
        guard let data = readAll(handle, limit: Int.max) else {
            throw AgentBrokerError.socket(operation: "read from", path: socketURL.path, reason: "read failed")
        }
        do { return try JSONDecoder().decode(AgentBrokerResponse.self, from: data) } catch {
            throw AgentBrokerError.badResponse("\(error)")
        }
    }

    private static func readAll(_ handle: FileHandle, limit: Int) -> Data? {
        var data = Data()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 65_536) } catch { return nil }
            // Foundation answers nil or empty data at end of file, depending on the platform.
            guard let chunk, !chunk.isEmpty else { return data }
            data.append(chunk)
            if data.count > limit { return nil }
        }
    }

    /// A Unix stream socket with `operation` applied to the address of `path`; returns its descriptor.
    private static func socket(path: String,
                               _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> String?) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw AgentBrokerError.pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw AgentBrokerError.socket(operation: "create", path: path, reason: String(cString: strerror(errno)))
        }
        let failed = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                operation(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if let failed {
            let reason = String(cString: strerror(errno))
            closeDescriptor(fd)
            throw AgentBrokerError.socket(operation: failed, path: path, reason: reason)
        }
        return fd
    }
}

/// Carries a handler's answer from its task to the connection's thread (written once before the semaphore
/// is signalled, read after it is waited on).
private final class ResponseBox: @unchecked Sendable {
    var value: AgentBrokerResponse?
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
