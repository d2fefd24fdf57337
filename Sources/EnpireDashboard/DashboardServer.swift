public import EnpireResearch
public import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import ServiceLifecycle

/// Errors the dashboard reports before it serves anything.
public enum DashboardError: Error, CustomStringConvertible, Equatable {
    /// The host to bind is not a loopback address and remote access was not allowed.
    case notLoopback(String)
    /// The token is too short to guard the e-stop.
    case weakToken(length: Int)
    /// The port is outside 0...65535.
    case badPort(Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .notLoopback(let host):
            return "--host \(host) is not a loopback address: the dashboard serves the station (and its e-stop) over "
                + "plain HTTP, so it binds 127.0.0.1 by default; pass --allow-remote to bind \(host) anyway "
                + "(anyone on that network can then read the page; the e-stop still needs the token)"
        case .weakToken(let length):
            return "the e-stop token has \(length) characters; give at least \(DashboardConfiguration.minimumTokenLength)"
        case .badPort(let port): return "port \(port) is outside 0...65535 (0 picks a free port)"
        }
    }
}

/// Where and how the dashboard listens.
public struct DashboardConfiguration: Sendable {
    /// Host to bind: `127.0.0.1` by default; non-loopback hosts need ``allowRemote``.
    public var host: String
    /// Port (0: a free port, reported to `onStart`).
    public var port: Int
    /// Allow a non-loopback ``host`` (and `Host` headers naming other hosts).
    public var allowRemote: Bool
    /// The token every e-stop request must carry in its `X-Enpire-Token` header.
    public var token: String
    /// How often each open event stream looks for changes, in seconds.
    public var pollInterval: Double

    /// Shortest token accepted.
    public static let minimumTokenLength = 16

    /// A configuration; `token` defaults to 32 random hexadecimal digits.
    public init(host: String = "127.0.0.1", port: Int = 8765, allowRemote: Bool = false,
                token: String = DashboardConfiguration.randomToken(), pollInterval: Double = 0.1) {
        self.host = host
        self.port = port
        self.allowRemote = allowRemote
        self.token = token
        self.pollInterval = pollInterval
    }

    /// 128 random bits as 32 hexadecimal digits.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Whether `host` names the loopback interface (`localhost`, `127.0.0.0/8`, `::1`).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Checks the host, port and token.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw DashboardError.badPort(port) }
        guard allowRemote || Self.isLoopback(host) else { throw DashboardError.notLoopback(host) }
        guard token.count >= Self.minimumTokenLength else { throw DashboardError.weakToken(length: token.count) }
    }
}

/// A live web dashboard of one station workspace, on Hummingbird: the station's health, the ledger with Wilson
/// intervals, success against robot time, the running trial's progress and ETA, the latest camera frames, and
/// an e-stop button that latches the station's emergency stop exactly as `enpire estop` does.
///
/// Routes: `GET /` (the page), `/app.js`, `/app.css`, `GET /api/snapshot` (``DashboardSnapshot`` as JSON),
/// `GET /api/ledger` (the ledger's records), `GET /api/events` (Server-Sent Events: a `snapshot` event whenever
/// it changes), `GET /api/frame?trial=&episode=&camera=` (a recorded development frame), and `POST /api/estop`
/// and `POST /api/estop/clear`, which need the configuration's token in an `X-Enpire-Token` header. Nothing is
/// served from the file system by path, and nothing reads the held-out secret (see ``DashboardSnapshot``).
public struct DashboardServer: Sendable {
    /// The workspace shown.
    public let workspace: ResearchWorkspace
    /// Where it listens and the e-stop token.
    public let configuration: DashboardConfiguration
    let logger: Logger

    /// A server of `workspace`; `logger` gets its start and request errors.
    public init(workspace: ResearchWorkspace, configuration: DashboardConfiguration = DashboardConfiguration(),
                logger: Logger = Logger(label: "enpire.dashboard")) {
        self.workspace = workspace
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until cancelled or until SIGINT/SIGTERM; `onStart` gets the page's address (with the bound port)
    /// once the server listens. Throws ``DashboardError`` for a configuration it refuses, and the workspace's
    /// error when `workspace` is not an initialised workspace with its operator folder.
    public func run(onStart: @escaping @Sendable (URL) async -> Void = { _ in }) async throws {
        try configuration.validate()
        _ = try await DashboardSnapshot.read(workspace)
        let source = SnapshotSource(workspace: workspace)
        try await Self.serve(configuration: configuration, logger: logger, onStart: onStart) { router in
            routes(router, source: source)
        }
    }

    /// Serves the routes `addRoutes` puts on a router, behind ``GuardMiddleware`` (so no dashboard goes without
    /// it), on the configuration's host and port until cancelled or SIGINT/SIGTERM.
    static func serve(configuration: DashboardConfiguration, logger: Logger,
                      onStart: @escaping @Sendable (URL) async -> Void,
                      routes addRoutes: (Router<BasicRequestContext>) -> Void) async throws {
        let router = Router()
        router.add(middleware: GuardMiddleware(allowRemote: configuration.allowRemote))
        addRoutes(router)
        let host = configuration.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "enpire-dashboard"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                if let url = URL(string: "http://\(shown):\(port)/") { await onStart(url) }
            },
            logger: logger)
        try await app.runService()
    }

    func routes(_ router: Router<BasicRequestContext>, source: SnapshotSource) {
        let workspace = workspace, token = configuration.token, interval = configuration.pollInterval
        Self.pageRoutes(router, html: DashboardPage.html, script: DashboardPage.script, style: DashboardPage.style)
        router.get("/api/snapshot") { _, _ in
            Self.json(try await source.snapshot().json)
        }
        router.get("/api/ledger") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Self.json(try encoder.encode(await workspace.ledger().allRecords()))
        }
        router.get("/api/frame") { request, _ in
            let query = request.uri.queryParameters
            guard let trial = query["trial"].map(String.init), let episode = query["episode"].flatMap({ Int(String($0)) }),
                  let camera = query["camera"].map(String.init) else {
                return Self.problem(.badRequest, "give trial, episode and camera")
            }
            guard let evidence = try? await workspace.trialEvidence(trial),
                  let frame = evidence.frames.first(where: { $0.episode == episode && $0.camera == camera }) else {
                return Self.problem(.notFound, "no recorded frame of camera \(camera) in episode \(episode) of trial \(trial)")
            }
            return Response(status: .ok, headers: [.contentType: frame.mimeType, .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: frame.data)))
        }
        router.get("/api/events") { _, _ in
            Self.events(interval: interval) {
                let current = try await source.snapshot()
                return (current.version, current.json)
            }
        }
        router.post("/api/estop") { request, _ in
            guard Self.authorised(request, token: token) else { return Self.refused() }
            try workspace.latchEmergencyStop(reason: "dashboard e-stop button")
            return try Self.estopState(workspace)
        }
        router.post("/api/estop/clear") { request, _ in
            guard Self.authorised(request, token: token) else { return Self.refused() }
            try workspace.clearEmergencyStop()
            return try Self.estopState(workspace)
        }
    }

    /// Serves a dashboard page's three files: `GET /` (`html`), `/app.js` (`script`) and `/app.css` (`style`).
    static func pageRoutes(_ router: Router<BasicRequestContext>, html: String, script: String, style: String) {
        router.get("/") { _, _ in text(html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in text(script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in text(style, type: "text/css; charset=utf-8") }
    }

    /// The `GET /api/events` response: a Server-Sent Events stream of `next`'s snapshots (see
    /// ``stream(interval:to:current:)``).
    static func events(interval: Double,
                       current next: @escaping @Sendable () async throws -> (version: Int, json: Data)) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                 body: ResponseBody { writer in try await stream(interval: interval, to: &writer, current: next) })
    }

    /// Writes a `snapshot` event now and after every change, and a comment every 15 s (so proxies keep the
    /// stream open), until the client goes away, the task is cancelled or the server shuts down.
    static func stream(interval: Double, to writer: inout any ResponseBodyWriter,
                       current next: @Sendable () async throws -> (version: Int, json: Data)) async throws {
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        var sent = 0, lastWrite = Date()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let current = try await next()
            if current.version != sent {
                var buffer = ByteBuffer(string: "event: snapshot\ndata: ")
                buffer.writeBytes(current.json)
                buffer.writeString("\n\n")
                try await writer.write(buffer)
                sent = current.version
                lastWrite = Date()
            } else if Date().timeIntervalSince(lastWrite) > 15 {
                try await writer.write(ByteBuffer(string: ": alive\n\n"))
                lastWrite = Date()
            }
            try? await Task.sleep(for: .seconds(interval))
        }
        try await writer.finish(nil)
    }

    static func estopState(_ workspace: ResearchWorkspace) throws -> Response {
        let reason = try workspace.emergencyStopReason()
        var object: [String: Any] = ["latched": reason != nil]
        if let reason { object["reason"] = reason }
        return json(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// Whether the request carries the token (compared in time independent of where it differs).
    static func authorised(_ request: Request, token: String) -> Bool {
        guard let name = HTTPField.Name("X-Enpire-Token"), let given = request.headers[name] else { return false }
        let offered = Array(given.utf8), expected = Array(token.utf8)
        guard offered.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= offered[index] ^ expected[index] }
        return difference == 0
    }

    static func refused() -> Response {
        problem(.forbidden, "missing or wrong X-Enpire-Token: use the token `enpire dashboard` or `enpire main --dashboard` printed at start")
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Refuses requests whose `Host` header names another host while the server is loopback-only (a DNS-rebinding
/// page cannot read the dashboard), and adds headers that keep the page from being framed or loading anything
/// from elsewhere.
struct GuardMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let allowRemote: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !allowRemote {
            let authority = request.head.authority ?? ""
            let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]"
                : String(authority.split(separator: ":", maxSplits: 1).first ?? "")
            guard DashboardConfiguration.isLoopback(host) else {
                return DashboardServer.problem(.misdirectedRequest, "Host \(authority) is not a loopback name; open the address `enpire dashboard` printed")
            }
        }
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self'; frame-ancestors 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        if let name = HTTPField.Name("X-Frame-Options") { response.headers[name] = "DENY" }
        return response
    }
}
