import Enpire
import Foundation
import Testing

/// End to end through the `enpire` executable: init a workspace, run a scripted fake agent under budgets, and
/// check the ledger, the fleet, the trial budget and the frozen-criteria guard.
@Suite("Agent loop through the CLI")
struct AgentLoopTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("enpire")

    /// Starts `enpire` with `arguments` in `folder` (environment extended by `extra`), output and errors into
    /// one pipe.
    static func launch(_ arguments: [String], in folder: URL, environment extra: [String: String] = [:])
        throws -> (process: Process, pipe: Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    @discardableResult
    static func enpire(_ arguments: [String], in folder: URL, environment extra: [String: String] = [:])
        throws -> (status: Int32, output: String) {
        let (process, pipe) = try launch(arguments, in: folder, environment: extra)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func scriptedAgentRunsTrialsWithinItsBudget() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-agent-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let workspace = folder.appendingPathComponent("ws").path
        let fleet = folder.appendingPathComponent("fleet.git").path
        #expect(try Self.enpire(["init", "--workspace", workspace, "--station", "s1", "--fleet", fleet,
                                 "--episodes-per-trial", "2", "--held-out", "2"], in: folder).status == 0)
        let script = """
            #!/bin/sh
            E="\(Self.binary.path)"
            grep -q "Frozen" "$ENPIRE_BRIEF" || exit 3
            id=$($E trial --workspace "$ENPIRE_WORKSPACE" --recipe '{"contactsPerEdge": 3, "pushDistanceCount": 5, "pushDistanceMin": 0.5, "pushDistanceMax": 60, "angleWeight": 80, "coverageWeight": 60}' --hypothesis strong --json | sed 's/.*"id":"\\([^"]*\\)".*/\\1/')
            $E keep "$id" --workspace "$ENPIRE_WORKSPACE" --tokens 700 || exit 4
            echo "ENPIRE_TOKENS 700"
            $E trial --workspace "$ENPIRE_WORKSPACE" --recipe '{}' --hypothesis second > /dev/null || exit 5
            $E trial --workspace "$ENPIRE_WORKSPACE" --recipe '{}' --hypothesis third && exit 6
            exit 0
            """
        let agent = folder.appendingPathComponent("agent.sh")
        try Data(script.utf8).write(to: agent)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agent.path)
        // Sandboxed where bubblewrap works (AgentSandboxTests covers the sandbox itself), explicitly unsandboxed elsewhere.
        let isolation = AgentSandbox.probe() == nil ? [] : ["--unsandboxed"]
        let run = try Self.enpire(["agent", "--workspace", workspace, "--trials", "2", "--wall-seconds", "120", "--json"]
                                  + isolation + ["--", agent.path], in: folder)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("\"ending\":\"exited\"") && run.output.contains("\"exitStatus\":0"), "\(run.output)")
        #expect(run.output.contains("\"tokens\":700"))
        #expect(run.output.contains("trial budget of this agent run is spent"))

        let status = try Self.enpire(["status", "--workspace", workspace, "--json"], in: folder).output
        #expect(status.contains("\"trialsRecorded\":1") && status.contains("\"frozenCriteriaIntact\":true"), "\(status)")
        let synced = try Self.enpire(["fleet", "sync", "--workspace", workspace, "--json"], in: folder).output
        #expect(synced.contains("\"id\":\"s1-1\""), "\(synced)")
        let ledger = try Self.enpire(["ledger", "--workspace", workspace, "--json"], in: folder).output
        #expect(ledger.contains("\"decision\":\"keep\"") && ledger.contains("\"tokens\":700"))

        // Editing the frozen criteria is detected and refused, naming the field.
        let frozen = URL(fileURLWithPath: workspace).appendingPathComponent("frozen.json")
        let edited = try String(contentsOf: frozen, encoding: .utf8).replacingOccurrences(of: "\"scoreWindow\" : 50", with: "\"scoreWindow\" : 5")
        try Data(edited.utf8).write(to: frozen)
        let refused = try Self.enpire(["trial", "--workspace", workspace, "--recipe", "{}", "--hypothesis", "x"], in: folder)
        #expect(refused.status != 0 && refused.output.contains("scoreWindow"), "\(refused.output)")
        let eval = try Self.enpire(["eval", "--workspace", workspace], in: folder)
        #expect(eval.status != 0)
    }

    /// Killing the station process mid-trial loses at most that trial; the ledger and status reopen cleanly.
    @Test func killingATrialMidwayLosesOnlyThatTrial() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let workspace = folder.appendingPathComponent("ws").path
        #expect(try Self.enpire(["init", "--workspace", workspace, "--episodes-per-trial", "30", "--held-out", "1"], in: folder).status == 0)
        let first = try Self.enpire(["trial", "--workspace", workspace, "--recipe", "{}", "--hypothesis", "a", "--json"], in: folder)
        #expect(first.status == 0)
        #expect(try Self.enpire(["keep", "station-1-1", "--workspace", workspace], in: folder).status == 0)
        // The same 30-episode trial again, killed while it runs.
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["trial", "--workspace", workspace, "--recipe", "{}", "--hypothesis", "killed"]
        try process.run()
        // A blocking sleep: a Task.sleep could resume late when other tests keep the cooperative threads busy,
        // and the trial would finish before the kill.
        usleep(300_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let status = try Self.enpire(["status", "--workspace", workspace, "--json"], in: folder)
        #expect(status.status == 0)
        #expect(status.output.contains("\"trialsRecorded\":1") && status.output.contains("\"pending\":[]"), "\(status.output)")
        let ledger = try Self.enpire(["ledger", "--workspace", workspace, "--json"], in: folder)
        #expect(ledger.status == 0 && ledger.output.contains("station-1-1"))
    }

    /// Smoke runs of Examples/PushT, Examples/PinInsertion and Examples/ZipTie: each runs the library's research
    /// campaign on its task (one station, two iterations of two episodes), scores held-out seeds and writes a report.
    @Test(arguments: ["PushTExample", "PinInsertionExample", "ZipTieExample"])
    func exampleRuns(product: String) throws {
        let example = Self.binary.deletingLastPathComponent().appendingPathComponent(product)
        try #require(FileManager.default.isExecutableFile(atPath: example.path), "\(product) is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-example-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = example
        process.arguments = ["--stations", "1", "--iterations", "2", "--episodes", "2", "--held-out", "2",
                             "--confirmation", "0", "--no-baseline", "--output", folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("held-out: best recipe") && output.contains("/2"), "\(output)")
        let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("station-1-2") && report.contains("Held-out score"))
        let ledger = try ExperimentLedger.readRecords(at: folder.appendingPathComponent("stations/station-1/ledger.jsonl"))
        #expect(ledger.count == 2)
    }
}
