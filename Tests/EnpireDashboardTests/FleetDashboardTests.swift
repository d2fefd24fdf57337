import Enpire
import EnpireDashboard
import EnpireResearch
import EnpireTesting
import Foundation
import Logging
import Testing

/// A fleet dashboard served for a test: a monitor with two stations (one with a camera) on a free port.
struct ServedFleet {
    let monitor: CampaignMonitor
    let stations: [Station]
    let port: Int
    let token: String
    let task: Task<Void, any Error>

    /// Serves `monitor`, with `stations` mock stations registered (the first with a `top` camera).
    static func start(monitor: CampaignMonitor = CampaignMonitor(), stations count: Int = 2,
                      token: String = "fleet-token-0123456789abcdef") async throws -> ServedFleet {
        if count > 0 { monitor.begin(task: "mock") }
        var stations: [Station] = []
        for index in stride(from: 1, through: count, by: 1) {
            let clock = SimulatedClock()
            let cameras: [any Camera] = index == 1 ? [MockCamera.testPattern(name: "top")] : []
            let station = try Station(configuration: .init(name: "station-\(index)", task: "mock"),
                                      arms: [MockArm.planar(clock: clock)], cameras: cameras, clock: clock)
            try await station.connect()
            monitor.register(name: "station-\(index)", role: "research", station: station)
            stations.append(station)
        }
        var logger = Logger(label: "enpire.dashboard.tests")
        logger.logLevel = .critical
        let server = FleetDashboardServer(monitor: monitor, configuration: DashboardConfiguration(port: 0, token: token),
                                          logger: logger)
        let (port, task) = try await HTTPTestClient.serve { try await server.run(onStart: $0) }
        return ServedFleet(monitor: monitor, stations: stations, port: port, token: token, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

@Suite("Fleet dashboard", .serialized)
struct FleetDashboardTests {
    @Test("stations, a decided trial on the event stream, a station's frame, and the e-stop of one station")
    func fleet() async throws {
        let served = try await ServedFleet.start()
        defer { Task { await served.stop() } }
        let page = try await HTTPTestClient.request(port: served.port, "GET", "/")
        #expect(page.status == 200 && page.text.contains("Enpire fleet") && page.text.contains("id=\"stations\""))
        #expect(try await HTTPTestClient.request(port: served.port, "GET", "/app.js").text.contains("/api/estop?"))

        let events = try HTTPTestClient.EventStream(port: served.port)
        #expect(await events.wait(for: "\"name\":\"station-2\"") != nil, "first snapshot: \(events.received.prefix(300))")
        let offset = events.received.count
        served.monitor.started("station-1", activity: "trial", detail: "a hypothesis", trial: "station-1-1", episodes: 4)
        served.monitor.episodeFinished("station-1", robotSeconds: 12)
        let record = try LedgerFixtures.record(id: "station-1-1", station: "station-1", task: "mock", successes: 3, trials: 4)
        served.monitor.finished("station-1", record: record)
        #expect(await events.wait(for: "\"id\":\"station-1-1\"", after: offset) != nil, "stream: \(events.received.suffix(600))")

        let snapshot = try JSONDecoder().decode(CampaignMonitor.Snapshot.self,
                                                from: try await HTTPTestClient.request(port: served.port, "GET", "/api/snapshot").body)
        #expect(snapshot.stations.map(\.name) == ["station-1", "station-2"])
        #expect(snapshot.stations[0].cameras == ["top"] && snapshot.stations[1].cameras.isEmpty)
        #expect(snapshot.stations[0].robotSeconds == 12 && snapshot.stations[0].activity == "idle")
        #expect(snapshot.records.map(\.id) == ["station-1-1"])

        let frame = try await HTTPTestClient.request(port: served.port, "GET", "/api/frame?station=station-1&camera=top")
        #expect(frame.status == 200 && frame.headers["content-type"] == "image/jpeg")
        #expect(frame.body.prefix(2) == Data([0xFF, 0xD8]))
        #expect(try await HTTPTestClient.request(port: served.port, "GET", "/api/frame?station=station-2&camera=top").status == 404)

        // E-stop: refused without the token or a station; station-2 only latches, and holds.
        let post = { (path: String, token: String?) in
            try await HTTPTestClient.request(port: served.port, "POST", path, headers: token.map { ["X-Enpire-Token": $0] } ?? [:])
        }
        #expect(try await post("/api/estop?station=station-2", nil).status == 403)
        #expect(try await post("/api/estop?station=station-2", "wrong-token-0123456789abcdef").status == 403)
        #expect(try await post("/api/estop", served.token).status == 400)
        #expect(try await post("/api/estop?station=station-9", served.token).status == 404)
        #expect(await served.stations[1].currentHealth.emergencyStopLatched == false)
        let stopped = try await post("/api/estop?station=station-2", served.token)
        #expect(stopped.status == 200 && stopped.text.contains("\"latched\":true"))
        #expect(await served.stations[1].currentHealth.emergencyStopLatched)
        #expect(await served.stations[0].currentHealth.emergencyStopLatched == false)
        #expect(served.monitor.isStopped("station-2") && !served.monitor.isStopped("station-1"))
        // The station holds: commands are not applied, episodes are refused.
        let sent = try await served.stations[1].send([ArmCommand(target: [0.2, 0.2])], source: .human)
        #expect(sent.applied.allSatisfy { $0.target != [0.2, 0.2] }, "\(sent)")
        await #expect(throws: StationError.emergencyStopLatched) {
            _ = try await served.stations[1].runEpisode(policy: HoldStill(), maxSteps: 2)
        }
    }
}

/// A policy that never moves.
struct HoldStill: Policy {
    var name: String { "hold" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] { [] }
}
