import Enpire
import EnpireDashboard
import EnpireResearch
import EnpireTasks
import EnpireTesting
import Foundation
import Logging
import Synchronization
import Testing

/// Push-T as research sees it, with a pause after every episode so that a person (here a browser) can watch the
/// campaign at a human pace.
struct PacedPushT: ResearchTask {
    var inner: PushTResearchTask
    let pause: Duration
    var name: String { inner.name }
    var summary: String { inner.summary }
    var space: RecipeSpace { inner.space }
    var baseline: Recipe { inner.baseline }
    var episodeLimit: Int { inner.episodeLimit }
    var verdictIsGroundTruth: Bool { inner.verdictIsGroundTruth }
    var criteria: TaskCriteria { inner.criteria }
    func policy(for recipe: Recipe) throws -> any Policy { try inner.policy(for: recipe) }
    func makeStation(role: StationRole, name: String) async throws -> any ResearchStation {
        PacedStation(base: try await inner.makeStation(role: role, name: name), pause: pause)
    }
}

struct PacedStation: ResearchStation {
    let base: any ResearchStation
    let pause: Duration
    var liveStation: Station? { base.liveStation }
    func runEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome {
        let outcome = try await base.runEpisode(policy: policy, seed: seed, split: split)
        try await Task.sleep(for: pause)
        return outcome
    }
}

/// Headless Chromium driven by Selenium (as `DashboardBrowserTests`) watches a running Push-T campaign on the fleet
/// dashboard: trials appear live, frames load, and the e-stop button of station-2 stops it (it holds and leaves
/// service) while the campaign goes on. Prints its figures as `fleet-browser:` lines.
@Suite("Fleet dashboard in a browser", .serialized)
struct FleetBrowserTests {
    @Test("trials appear live on the fleet page, and one station's e-stop button stops that station",
          .enabled(if: DashboardBrowserTests.available, "needs chromium, chromium-driver and Selenium in ENPIRE_PYTHON"))
    func fleetInBrowser() async throws {
        let chromium = try #require(DashboardBrowserTests.chromium), driver = try #require(DashboardBrowserTests.driver)
        let python = try #require(DashboardBrowserTests.python)
        let served = try await ServedFleet.start(monitor: CampaignMonitor(), stations: 0)
        defer { Task { await served.stop() } }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-fleet-browser-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let control = root.appendingPathComponent("browser")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.script, chromium, driver, "http://127.0.0.1:\(served.port)/#token=\(served.token)",
                             control.path, ProcessInfo.processInfo.environment["ENPIRE_DASHBOARD_SCREENSHOT"] ?? ""]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let start = Date()
        while !FileManager.default.fileExists(atPath: control.appendingPathComponent("ready").path) {
            guard process.isRunning, Date().timeIntervalSince(start) < 300 else {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw HTTPTestClient.Failure(description: "the browser did not get ready: \(message.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        // The campaign: 3 Push-T stations with a camera to watch, paced so a trial lasts a few seconds.
        var configuration = ResearchCampaign.Configuration()
        configuration.stations = 3
        configuration.iterations = 6
        configuration.episodesPerTrial = 8
        configuration.heldOutEpisodes = 20
        configuration.confirmationEpisodes = 0
        var inner = PushTResearchTask()
        inner.viewCamera = true
        var campaign = ResearchCampaign(task: PacedPushT(inner: inner, pause: .milliseconds(150)),
                                        configuration: configuration, output: root.appendingPathComponent("campaign"))
        campaign.monitor = served.monitor
        let running = Task { try await campaign.run(logger: Logger(label: "fleet-browser", factory: { _ in SwiftLogNoOpLogHandler() })) }

        // The e-stop: the page's click time against the moment the station's stop is latched.
        var latchedAt: Double?
        while latchedAt == nil, Date().timeIntervalSince(start) < 600, process.isRunning {
            let station = await served.monitor.snapshot().stations.first { $0.name == "station-2" }
            if station?.health?.emergencyStopLatched == true { latchedAt = Date().timeIntervalSince1970 * 1000 }
            try await Task.sleep(for: .milliseconds(2))
        }
        let result = try await running.value
        process.waitUntilExit()
        let report = try JSONSerialization.jsonObject(with: output.fileHandleForReading.readDataToEndOfFile()) as? [String: Any]
        let latched = try #require(latchedAt, "station-2 was not stopped: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).suffix(1500))")
        let click = try #require(report?["click"] as? Double), shown = try #require(report?["shown"] as? Double)
        let seen = try #require(report?["seen"] as? [String: Double])
        #expect(report?["frames"] as? Int ?? 0 >= 2, "frames loaded: \(report?["frames"] ?? "none")")

        // Every decided trial the page saw, from its end (the record's finish time) to its row.
        let finished = Dictionary(uniqueKeysWithValues: result.records.map { ($0.id, $0.finishedAtUnixSeconds * 1000) })
        let latencies = seen.compactMap { id, at in finished[id].map { at - $0 } }.sorted()
        #expect(latencies.count >= 3, "rows seen: \(seen.keys.sorted())")
        let p95 = latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.95).rounded(.up)) - 1)]
        // station-2 holds and left service; the others finished the campaign.
        let stations = await served.monitor.snapshot().stations
        let second = try #require(stations.first { $0.name == "station-2" })
        #expect(second.stoppedReason == "dashboard e-stop button" && second.health?.emergencyStopLatched == true)
        let afterStop = result.records.filter { $0.station == "station-2" && $0.finishedAtUnixSeconds * 1000 > click }
        #expect(afterStop.isEmpty, "station-2 recorded \(afterStop.map(\.id)) after its e-stop")
        #expect(result.records.filter { $0.station == "station-1" }.count == 6 && result.best?.trials == 20)
        print(String(format: "fleet-browser: page load %.0f ms; decided trial to its row over %d: p50 %.0f ms, p95 %.0f ms, max %.0f ms; "
                     + "e-stop click to station latched %.0f ms, click to page showing it stopped %.0f ms; station-2 trials recorded %d",
                     report?["pageLoad"] as? Double ?? -1, latencies.count, latencies[latencies.count / 2], p95,
                     latencies.last ?? -1, latched - click, shown - click,
                     result.records.filter { $0.station == "station-2" }.count))
        #expect(p95 < 2000, "a decided trial took \(p95) ms (p95) to appear")
    }

    /// The Selenium side: argv = chromium, chromedriver, page URL, control folder, screenshot path.
    static let script = DashboardBrowserTests.seleniumPrelude + #"""
    chromium, chromedriver, url, control, screenshot = sys.argv[1:6]
    driver, page_load = open_page(chromium, chromedriver, url, 1400)
    try:
        driver.execute_script("""
            window.__seen = {};
            const body = document.querySelector('#ledger tbody');
            const note = () => { for (const tr of body.querySelectorAll('tr[data-id]'))
                if (!(tr.dataset.id in window.__seen)) window.__seen[tr.dataset.id] = Date.now(); };
            new MutationObserver(note).observe(body, { childList: true });
            window.__shown = null;
            const stations = document.querySelector('#stations tbody');
            new MutationObserver(() => { const row = stations.querySelector('tr[data-station="station-2"]');
                if (window.__shown === null && row && row.classList.contains('stopped')) window.__shown = Date.now(); })
                .observe(stations, { childList: true, subtree: true, attributes: true, characterData: true });
        """)
        open(os.path.join(control, "ready"), "w").close()
        # Wait for two decided trials and for station-2 to be running a trial, then press its e-stop.
        WebDriverWait(driver, 300, poll_frequency=0.02).until(lambda d: len(d.execute_script("return window.__seen;")) >= 3)
        def station2_running(d):
            rows = d.find_elements(By.CSS_SELECTOR, '#stations tr[data-station="station-2"] td')
            return len(rows) > 2 and rows[2].text.startswith("trial")
        WebDriverWait(driver, 120, poll_frequency=0.02).until(station2_running)
        click = driver.execute_script("""const t = Date.now();
            document.querySelector('#stations button[data-station="station-2"]').click(); return t;""")
        WebDriverWait(driver, 60, poll_frequency=0.01).until(lambda d: d.execute_script("return window.__shown;") is not None)
        shown = driver.execute_script("return window.__shown;")
        frames = driver.execute_script(
            "return Array.from(document.querySelectorAll('#frames img')).filter(i => i.complete && i.naturalWidth > 0).length;")
        # Keep watching until the held-out scores are in, so every decided trial is seen.
        WebDriverWait(driver, 600, poll_frequency=0.1).until(lambda d: "finished" in d.find_element(By.ID, "phase").text)
        seen = driver.execute_script("return window.__seen;")
        if screenshot:
            driver.save_screenshot(screenshot)
        print(json.dumps({"pageLoad": page_load, "seen": seen, "click": click, "shown": shown, "frames": frames}))
    finally:
        driver.quit()
        open(os.path.join(control, "done"), "w").close()
    """#
}
