import Enpire
import EnpireResearch
import EnpireTesting
import Foundation
import Testing

/// Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium in `ENPIRE_PYTHON` loads the
/// page, sees kept trials appear live and presses the e-stop while a trial runs; the station must hold. Runs
/// only where all three are installed (`ENPIRE_HEAVY=1 bash scripts/test.sh` installs Selenium into the venv;
/// `apt-get install chromium chromium-driver` the browser); prints its figures as `dashboard-browser:` lines.
@Suite("Dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let driver = ["/usr/bin/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let python = PythonProbe.interpreter(requiring: ["selenium"])
    static let available = chromium != nil && driver != nil && python != nil

    @Test("a kept trial appears on the page live, and the e-stop button stops a running trial",
          .enabled(if: available, "needs chromium, chromium-driver and Selenium in ENPIRE_PYTHON"))
    func browser() async throws {
        let (chromium, driver, python) = (try #require(Self.chromium), try #require(Self.driver), try #require(Self.python))
        let kept = 24
        let served = try await ServedDashboard.start(episodesPerTrial: 60)
        defer { Task { await served.stop() } }
        let control = served.root.appendingPathComponent("browser")
        try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
        let ids = (1...kept).map { "dash-kept-\($0)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.script, chromium, driver,
                             "http://127.0.0.1:\(served.port)/#token=\(served.token)", control.path, ids.joined(separator: ","),
                             ProcessInfo.processInfo.environment["ENPIRE_DASHBOARD_SCREENSHOT"] ?? ""]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        func waitFor(_ name: String, timeout: Double) async throws {
            let start = Date()
            while !FileManager.default.fileExists(atPath: control.appendingPathComponent(name).path) {
                guard process.isRunning else {
                    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    throw HTTPTestClient.Failure(description: "the browser script ended early: \(message.suffix(2000))")
                }
                guard Date().timeIntervalSince(start) < timeout else {
                    throw HTTPTestClient.Failure(description: "no \(name) from the browser script after \(timeout) s")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        // 1. Kept trials written to the ledger by the library while the page is open.
        try await waitFor("ready", timeout: 400)
        let ledger = try served.workspace.ledger()
        var written: [String: Double] = [:]
        for id in ids {
            var record = try LedgerFixtures.record(id: id, station: "dash", successes: Int.random(in: 10...50), trials: 50)
            record.robotTimeSeconds = Double.random(in: 30...90)
            written[id] = Date().timeIntervalSince1970 * 1000
            try await ledger.append(record)
            try await Task.sleep(for: .milliseconds(Int.random(in: 200...400)))
        }
        try await waitFor("seen", timeout: 400)

        // 2. A trial runs; the e-stop is pressed in the page; the station must stop it before its next episode.
        let workspace = served.workspace
        let trial = Task { try await workspace.runTrial(recipe: try workspace.task().baseline.parameters, hypothesis: "runs until stopped") }
        let runStart = Date()
        while (try workspace.runningTrial()?.episodesFinished ?? 0) < 1 {
            guard Date().timeIntervalSince(runStart) < 120 else { throw HTTPTestClient.Failure(description: "the trial did not start") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try Data().write(to: control.appendingPathComponent("go"))
        var latchedAt: Double?
        let watchStart = Date()
        while latchedAt == nil, Date().timeIntervalSince(watchStart) < 60 {
            if try workspace.emergencyStopReason() != nil { latchedAt = Date().timeIntervalSince1970 * 1000 }
            try await Task.sleep(for: .milliseconds(2))
        }
        let latched = try #require(latchedAt, "the e-stop was not latched within 60 s")
        let outcome = await trial.result
        let runningID = "dash-1"  // the first trial this workspace ran (the kept records above were written directly)
        let episodesRun = ((try? FileManager.default.contentsOfDirectory(
            atPath: workspace.operatorFolder.appendingPathComponent("trials/\(runningID)").path)) ?? [])
            .filter { $0.hasPrefix("episode-") && $0.hasSuffix(".json") }.count
        let stoppedAfter = try workspace.runningTrial() == nil
        #expect(stoppedAfter)
        guard case .failure(let error) = outcome, case ResearchWorkspace.WorkspaceError.emergencyStopLatched = error else {
            Issue.record("the running trial was not stopped by the e-stop: \(outcome)")
            return
        }

        // 3. The browser script's figures.
        try await waitFor("done", timeout: 60)
        process.waitUntilExit()
        let report = try JSONSerialization.jsonObject(with: output.fileHandleForReading.readDataToEndOfFile()) as? [String: Any]
        let seen = try #require(report?["seen"] as? [String: Double])
        let latencies = ids.compactMap { id in seen[id].map { $0 - written[id, default: 0] } }.sorted()
        #expect(latencies.count == kept, "rows seen: \(seen.keys.sorted())")
        let click = try #require(report?["click"] as? Double), shown = try #require(report?["shown"] as? Double)
        #expect(shown >= click)
        let p95 = latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.95).rounded(.up)) - 1)]
        print(String(format: "dashboard-browser: page load %.0f ms (navigation to load event %.0f ms); kept trial to row over %d: p50 %.0f ms, p95 %.0f ms, max %.0f ms",
                     report?["pageLoad"] as? Double ?? -1, report?["navigation"] as? Double ?? -1, latencies.count,
                     latencies[latencies.count / 2], p95, latencies.last ?? -1))
        print(String(format: "dashboard-browser: e-stop click to latched flag %.0f ms, click to page showing LATCHED %.0f ms; running trial stopped: %@ after %d of 60 episodes",
                     latched - click, shown - click, "\(stoppedAfter)", episodesRun))
        #expect(p95 < 2000, "a kept trial took \(p95) ms (p95) to appear")
    }

    /// What both browser tests' Selenium scripts start with: the imports, and `open_page`, which starts headless
    /// Chromium `height` pixels tall, loads `url`, waits until the page is live and returns the driver with the
    /// milliseconds that took.
    static let seleniumPrelude = #"""
    import json, os, sys, time
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def open_page(chromium, chromedriver, url, height):
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size=1280,{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        start = time.time()
        try:
            driver.get(url)
            # Generous: in a parallel test run on a loaded 2-core machine the in-process server can wait long for a thread.
            WebDriverWait(driver, 300, poll_frequency=0.01).until(
                lambda d: d.find_element(By.ID, "connection").text == "live")
        except BaseException:
            driver.quit()
            raise
        return driver, (time.time() - start) * 1000

    """#

    /// The Selenium side: argv = chromium, chromedriver, page URL, control folder, ids, screenshot path.
    static let script = seleniumPrelude + #"""
    chromium, chromedriver, url, control, ids, screenshot = sys.argv[1:7]
    ids = ids.split(",")
    driver, page_load = open_page(chromium, chromedriver, url, 1200)
    try:
        navigation = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd : null;")
        driver.execute_script("""
            window.__seen = {};
            const body = document.querySelector('#ledger tbody');
            const note = () => { for (const tr of body.querySelectorAll('tr[data-id]'))
                if (!(tr.dataset.id in window.__seen)) window.__seen[tr.dataset.id] = Date.now(); };
            new MutationObserver(note).observe(body, { childList: true });
            note();
            window.__shown = null;
            const state = document.getElementById('estop-state');
            new MutationObserver(() => { if (window.__shown === null && state.textContent.startsWith('LATCHED'))
                window.__shown = Date.now(); }).observe(state, { childList: true, characterData: true, subtree: true });
        """)
        open(os.path.join(control, "ready"), "w").close()
        WebDriverWait(driver, 300, poll_frequency=0.05).until(
            lambda d: all(i in d.execute_script("return window.__seen;") for i in ids))
        seen = driver.execute_script("return window.__seen;")
        open(os.path.join(control, "seen"), "w").close()
        while not os.path.exists(os.path.join(control, "go")):
            time.sleep(0.01)
        WebDriverWait(driver, 30, poll_frequency=0.02).until(
            lambda d: " of " in d.find_element(By.ID, "progress-text").text)
        progress = driver.find_element(By.ID, "progress-text").text
        click = driver.execute_script("const t = Date.now(); document.getElementById('estop-button').click(); return t;")
        WebDriverWait(driver, 30, poll_frequency=0.01).until(lambda d: d.execute_script("return window.__shown;") is not None)
        shown = driver.execute_script("return window.__shown;")
        time.sleep(0.5)
        if screenshot:
            driver.save_screenshot(screenshot)
        print(json.dumps({"pageLoad": page_load, "navigation": navigation, "seen": seen, "click": click,
                          "shown": shown, "progress": progress}))
    finally:
        driver.quit()
        open(os.path.join(control, "done"), "w").close()
    """#
}
