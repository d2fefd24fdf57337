import EnpireDashboard
import EnpireResearch
import EnpireTasks
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A raw HTTP/1.1 client over a loopback socket: sends exactly the request line it is given (no path
/// normalisation, so traversal attempts reach the server as written) and reads the reply to the end.
///
/// Its socket calls block, so they run on a thread of their own (``offPool(_:)``), never on Swift's cooperative
/// threads, which the in-process server's handlers need: on a loaded 2-core machine a blocked cooperative thread
/// starved the server and the request timed out.
enum HTTPTestClient {
    /// Runs blocking `body` on a new thread and waits for it without holding a cooperative thread.
    /// Runs a server (`run` gets the callback that reports its address) and returns its port once it listens.
    static func serve(_ run: @escaping @Sendable (@escaping @Sendable (URL) async -> Void) async throws -> Void)
        async throws -> (port: Int, task: Task<Void, any Error>) {
        let (urls, continuation) = AsyncStream<URL>.makeStream()
        let task = Task {
            do { try await run { url in continuation.yield(url) } } catch {
                continuation.finish()
                throw error
            }
            continuation.finish()
        }
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next(), let port = url.port else {
            _ = await task.result
            throw Failure(description: "the dashboard did not start")
        }
        return (port, task)
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A connected socket with a receive timeout.
    static func connect(port: Int, timeout: Double = 60) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw Failure(description: "connect to port \(port): errno \(errno)") }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ data: Data) throws {
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, data.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
    }

    /// One request with `Connection: close`; the reply's body is de-chunked.
    static func request(port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
                        body: Data = Data()) async throws -> Reply {
        try await offPool { try blockingRequest(port: port, method, path, headers: headers, body: body) }
    }

    static func blockingRequest(port: Int, _ method: String, _ path: String, headers: [String: String],
                                body: Data) throws -> Reply {
        let fd = try connect(port: port)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if headers["Host"] == nil { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try send(fd, Data((head + "\r\n").utf8) + body)
        var raw = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            raw.append(contentsOf: buffer[0..<n])
        }
        return try parse(raw)
    }

    static func parse(_ raw: Data) throws -> Reply {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else { throw Failure(description: "no HTTP head in \(raw.count) bytes") }
        let lines = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = line.upperBound
            guard rest.endIndex >= start + size else { break }
            out.append(rest[start..<start + size])
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        return out
    }

    /// An open `GET /api/events` stream (one ``wait(for:after:timeout:)`` at a time).
    final class EventStream: @unchecked Sendable {
        let fd: Int32
        private(set) var received = ""

        init(port: Int) throws {
            fd = try HTTPTestClient.connect(port: port, timeout: 0.5)
            try HTTPTestClient.send(fd, Data("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
        }

        deinit { close(fd) }

        /// Reads until `text` has arrived (since `after` characters of what was received), or `timeout` passes.
        /// Returns the seconds it took, or nil.
        func wait(for text: String, after offset: Int = 0, timeout: Double = 90) async -> Double? {
            (try? await HTTPTestClient.offPool { self.blockingWait(for: text, after: offset, timeout: timeout) }) ?? nil
        }

        private func blockingWait(for text: String, after offset: Int, timeout: Double) -> Double? {
            let start = Date()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while Date().timeIntervalSince(start) < timeout {
                if received.count > offset, received.dropFirst(offset).contains(text) { return Date().timeIntervalSince(start) }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += String(decoding: buffer[0..<n], as: UTF8.self) } else if n == 0 { return nil }
            }
            return nil
        }
    }
}

/// A dashboard served in-process on a free loopback port, over a fresh Push-T workspace.
struct ServedDashboard {
    let root: URL
    let workspace: ResearchWorkspace
    let port: Int
    let token: String
    let task: Task<Void, any Error>

    static func start(episodesPerTrial: Int = 1, token: String = "test-token-0123456789abcdef") async throws -> ServedDashboard {
        BuiltInTasks.register()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-dashboard-\(UUID().uuidString)")
        let workspace = ResearchWorkspace(folder: root.appendingPathComponent("station"))
        _ = try await workspace.initialise(task: PushTResearchTask(), station: "dash", fleet: nil,
                                           episodesPerTrial: episodesPerTrial, heldOut: 1, evaluationLimit: 0)
        // Cancelling the server at the end of a test is logged as an error by Hummingbird: keep the output quiet.
        var logger = Logger(label: "enpire.dashboard.tests")
        logger.logLevel = .critical
        let server = DashboardServer(workspace: workspace, configuration: DashboardConfiguration(port: 0, token: token),
                                     logger: logger)
        let (port, task) = try await HTTPTestClient.serve { try await server.run(onStart: $0) }
        return ServedDashboard(root: root, workspace: workspace, port: port, token: token, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: root)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPTestClient.Reply {
        try await HTTPTestClient.request(port: port, "GET", path, headers: headers)
    }

    func post(_ path: String, token: String?) async throws -> HTTPTestClient.Reply {
        try await HTTPTestClient.request(port: port, "POST", path, headers: token.map { ["X-Enpire-Token": $0] } ?? [:])
    }

    /// Runs a trial of the baseline recipe and returns its id.
    func runBaselineTrial() async throws -> String {
        try await workspace.runTrial(recipe: try workspace.task().baseline.parameters, hypothesis: "baseline").id
    }

    /// The held-out secret in the operator folder (which no reply may contain).
    func heldOutSecret() throws -> String {
        let data = try Data(contentsOf: workspace.operatorFolder.appendingPathComponent("operator.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let secret = object?["heldOutSecret"] as? String, !secret.isEmpty else {
            throw HTTPTestClient.Failure(description: "operator.json has no heldOutSecret")
        }
        return secret
    }
}
