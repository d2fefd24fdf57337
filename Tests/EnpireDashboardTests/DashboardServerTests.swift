import EnpireDashboard
import EnpireResearch
import Foundation
import Testing

@Suite("Dashboard server", .serialized)
struct DashboardServerTests {
    @Test("serves the page, the ledger and a kept trial on the event stream, with its frame")
    func pageLedgerAndEvents() async throws {
        let served = try await ServedDashboard.start()
        defer { Task { await served.stop() } }
        let page = try await served.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("estop-button") && page.text.contains("/app.js"))
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(try await served.get("/app.js").text.contains("EventSource"))
        let ledger = try await served.get("/api/ledger")
        #expect(ledger.status == 200)
        #expect(try JSONSerialization.jsonObject(with: ledger.body) as? [Any] != nil)

        let events = try HTTPTestClient.EventStream(port: served.port)
        #expect(await events.wait(for: "\"station\":\"dash\"") != nil, "first snapshot: \(events.received.prefix(300))")
        let offset = events.received.count
        let id = try await served.runBaselineTrial()
        _ = try await served.workspace.decide(id, keep: true)
        #expect(await events.wait(for: "\"decision\":\"keep\"", after: offset) != nil, "stream: \(events.received.suffix(600))")
        #expect(events.received.dropFirst(offset).contains("\"id\":\"\(id)\""))

        let snapshot = try JSONSerialization.jsonObject(with: try await served.get("/api/snapshot").body) as? [String: Any]
        let frames = try #require(snapshot?["frames"] as? [String: Any])
        #expect(frames["trial"] as? String == id)
        let camera = try #require((frames["cameras"] as? [String])?.first)
        let frame = try await served.get("/api/frame?trial=\(id)&episode=\(frames["episode"] as? Int ?? -1)&camera=\(camera)")
        #expect(frame.status == 200)
        #expect(frame.headers["content-type"] == "image/png" || frame.headers["content-type"] == "image/jpeg")
        #expect(frame.body.count > 100)
        let rows = try #require(snapshot?["rows"] as? [[String: Any]])
        #expect(rows.contains { $0["id"] as? String == id && $0["wilsonUpper"] as? Double ?? 0 > 0 })
    }

    @Test("the e-stop POST latches the station's stop with the token and is refused without it")
    func estop() async throws {
        let served = try await ServedDashboard.start()
        defer { Task { await served.stop() } }
        #expect(try await served.post("/api/estop", token: nil).status == 403)
        #expect(try await served.post("/api/estop", token: "wrong-token-0123456789abcdef").status == 403)
        #expect(try await served.post("/api/estop", token: String(served.token.dropLast())).status == 403)
        #expect(try served.workspace.emergencyStopReason() == nil)

        let latched = try await served.post("/api/estop", token: served.token)
        #expect(latched.status == 200)
        #expect(latched.text.contains("\"latched\":true"))
        #expect(try served.workspace.emergencyStopReason() == "dashboard e-stop button")
        // The station holds: a trial is refused while the stop is latched.
        await #expect(throws: ResearchWorkspace.WorkspaceError.self) { _ = try await served.runBaselineTrial() }
        #expect(try await served.get("/api/snapshot").text.contains("\"emergencyStopLatched\":true"))

        #expect(try await served.post("/api/estop/clear", token: "bad-token-0123456789abcdef").status == 403)
        #expect(try served.workspace.emergencyStopReason() != nil)
        #expect(try await served.post("/api/estop/clear", token: served.token).status == 200)
        #expect(try served.workspace.emergencyStopReason() == nil)
    }

    @Test("paths outside the routes, other hosts and the held-out secret are refused")
    func traversalHostsAndSecrets() async throws {
        let served = try await ServedDashboard.start()
        defer { Task { await served.stop() } }
        let secret = try served.heldOutSecret()
        let id = try await served.runBaselineTrial()
        for path in ["/../station.operator/operator.json", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../operator.json",
                     "/api/frame?trial=../station.operator&episode=0&camera=operator",
                     "/api/frame?trial=..%2F..%2Fetc&episode=0&camera=passwd",
                     "/api/frame?trial=\(id)&episode=0&camera=..%2F..%2F..%2Foperator.json",
                     "/station.json", "/ledger.jsonl", "/operator.json"] {
            let reply = try await served.get(path)
            #expect(reply.status == 404 || reply.status == 400, "\(path) answered \(reply.status)")
            #expect(!reply.text.contains(secret))
        }
        let rebinding = try await served.get("/api/snapshot", headers: ["Host": "attacker.example:\(served.port)"])
        #expect(rebinding.status == 421)
        for path in ["/", "/app.js", "/api/snapshot", "/api/ledger"] {
            #expect(!(try await served.get(path).text.contains(secret)), "\(path) contains the held-out secret")
        }
        #expect(throws: DashboardError.notLoopback("0.0.0.0")) {
            try DashboardConfiguration(host: "0.0.0.0").validate()
        }
        try DashboardConfiguration(host: "0.0.0.0", allowRemote: true).validate()
        #expect(throws: DashboardError.weakToken(length: 3)) { try DashboardConfiguration(token: "abc").validate() }
        #expect(DashboardConfiguration.isLoopback("127.0.0.1") && DashboardConfiguration.isLoopback("[::1]"))
        #expect(!DashboardConfiguration.isLoopback("127.0.0.1.example.com") && !DashboardConfiguration.isLoopback("10.0.0.1"))
    }
}
