public import EnpireResearch
public import Foundation
import Enpire
import HTTPTypes
import Hummingbird
public import Logging

/// A live web dashboard of a running campaign (`enpire main --dashboard PORT`), on Hummingbird: every station of
/// the fleet with its role, current trial and progress, robot time, MRU and health; the ledger with Wilson
/// intervals as trials are decided; success against robot time; the latest camera frame of each station; the
/// held-out scores; and an e-stop button per station.
///
/// Routes: `GET /` (the page), `/app.js`, `/app.css`, `GET /api/snapshot` (`CampaignMonitor.Snapshot` as JSON),
/// `GET /api/events` (Server-Sent Events: a `snapshot` event whenever it changes), `GET /api/frame?station=&camera=`
/// (the station's latest frame as JPEG), and `POST /api/estop?station=NAME`, which needs the configuration's token
/// in an `X-Enpire-Token` header. An e-stop latches that station's emergency stop (its arms hold) and takes it out
/// of the campaign's service (see `CampaignMonitor`); it is not cleared from the page.
public struct FleetDashboardServer: Sendable {
    /// The campaign shown.
    public let monitor: CampaignMonitor
    /// Where it listens and the e-stop token.
    public let configuration: DashboardConfiguration
    let logger: Logger

    /// A server of `monitor`; `logger` gets its start and request errors.
    public init(monitor: CampaignMonitor, configuration: DashboardConfiguration = DashboardConfiguration(),
                logger: Logger = Logger(label: "enpire.dashboard")) {
        self.monitor = monitor
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until cancelled or until SIGINT/SIGTERM; `onStart` gets the page's address (with the bound port)
    /// once the server listens. Throws `DashboardError` for a configuration it refuses.
    public func run(onStart: @escaping @Sendable (URL) async -> Void = { _ in }) async throws {
        try configuration.validate()
        let source = FleetSource(monitor: monitor)
        try await DashboardServer.serve(configuration: configuration, logger: logger, onStart: onStart) { router in
            routes(router, source: source)
        }
    }

    func routes(_ router: Router<BasicRequestContext>, source: FleetSource) {
        let monitor = monitor, token = configuration.token, interval = configuration.pollInterval
        DashboardServer.pageRoutes(router, html: FleetPage.html, script: FleetPage.script, style: FleetPage.style)
        router.get("/api/snapshot") { _, _ in DashboardServer.json(try await source.current().json) }
        router.get("/api/events") { _, _ in
            DashboardServer.events(interval: interval) { try await source.current() }
        }
        router.get("/api/frame") { request, _ in
            let query = request.uri.queryParameters
            guard let station = query["station"].map(String.init), let camera = query["camera"].map(String.init) else {
                return DashboardServer.problem(.badRequest, "give station and camera")
            }
            guard let frame = await monitor.frame(station: station, camera: camera) else {
                return DashboardServer.problem(.notFound, "station \(station) has no frame of camera \(camera) now")
            }
            let bytes: [UInt8]
            if let jpeg = frame.jpeg {
                bytes = jpeg
            } else if let image = frame.image {
                bytes = try JPEGCodec().encode(image, quality: 85)
            } else {
                return DashboardServer.problem(.notFound, "the frame of camera \(camera) carries no image")
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("/api/estop") { request, _ in
            guard DashboardServer.authorised(request, token: token) else { return DashboardServer.refused() }
            guard let station = request.uri.queryParameters["station"].map(String.init) else {
                return DashboardServer.problem(.badRequest, "give the station: POST /api/estop?station=NAME")
            }
            guard await monitor.emergencyStop(station: station, reason: "dashboard e-stop button") else {
                return DashboardServer.problem(.notFound, "no station named \(station) in this campaign")
            }
            let latched = await monitor.health(of: station)?.emergencyStopLatched
            let object: [String: Any] = ["station": station, "stopped": true, "latched": latched ?? false]
            return DashboardServer.json(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
    }
}

/// The campaign's snapshot as JSON, shared by every open page: rebuilt at most every `maximumAge` seconds
/// (a rebuild asks every live station for its health), its version bumped when the JSON changed.
actor FleetSource {
    let monitor: CampaignMonitor
    let maximumAge: TimeInterval
    private var built = Date.distantPast
    private var version = 0
    private var json = Data()

    init(monitor: CampaignMonitor, maximumAge: TimeInterval = 0.1) {
        self.monitor = monitor
        self.maximumAge = maximumAge
    }

    func current() async throws -> (version: Int, json: Data) {
        if version > 0, Date().timeIntervalSince(built) < maximumAge { return (version, json) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let fresh = try encoder.encode(await monitor.snapshot())
        built = Date()
        if fresh != json {
            json = fresh
            version += 1
        }
        return (version, json)
    }
}
