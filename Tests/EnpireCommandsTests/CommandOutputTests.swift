import EnpireCommands
import Foundation
import Testing

/// The commands write through `CommandOutput`, so a caller can capture what they print.
@Suite("enpire command output")
struct CommandOutputTests {
    @Test("tasks, init and status write to the injected sink, not to the process's streams")
    func capturedOutput() async throws {
        let (output, captured) = CommandOutput.capturing()
        try await EnpireTool.run(["tasks"], output: output)
        let tasks = captured.standardOutput
        #expect(tasks.hasPrefix("pusht (push-t): Push-T (gym-pusht 0.1.8 physics and scoring): push the T onto its goal\n"))
        #expect(tasks.contains("\npin ") && tasks.contains("\nziptie "))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws").path
        let (stationOutput, station) = CommandOutput.capturing()
        try await EnpireTool.run(["init", "--workspace", workspace, "--held-out", "5", "--episodes-per-trial", "2"],
                                 output: stationOutput)
        try await EnpireTool.run(["status", "--workspace", workspace], output: stationOutput)
        let lines = station.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 5, "\(lines)")
        #expect(lines[0].hasPrefix("initialised station-1 in \(workspace); frozen hash "))
        #expect(lines[1] == "station station-1, task pusht, frozen criteria intact")
        #expect(lines[2] == "ledger: 0 records; best kept: none")
        #expect(lines[3] == "held-out evaluations: 0 of 10 used")
        #expect(lines[4] == "")
        #expect(station.standardError == "")
    }

    @Test("eval reports held-out progress with an ETA on standard error, counts only, and the aggregate on standard output")
    func evalProgress() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws").path
        let (setup, _) = CommandOutput.capturing()
        try await EnpireTool.run(["init", "--workspace", workspace, "--held-out", "12"], output: setup)

        let (textOutput, text) = CommandOutput.capturing()
        try await EnpireTool.run(["eval", "--workspace", workspace], output: textOutput)
        let logLines = text.standardError.split(separator: "\n").map(String.init)
        // Off a terminal: one line per ten episodes and one at the end.
        #expect(logLines.count == 2, "\(logLines)")
        #expect(logLines.first?.contains("held-out: 10/12 episodes, ETA ") == true, "\(logLines)")
        #expect(logLines.last?.hasSuffix("held-out: 12/12 episodes, ETA 0 s") == true, "\(logLines)")
        #expect(text.standardOutput.hasPrefix("held-out: ") && text.standardOutput.contains("/12 (Wilson 95% "))

        let (jsonOutput, json) = CommandOutput.capturing()
        try await EnpireTool.run(["eval", "--workspace", workspace, "--progress", "json"], output: jsonOutput)
        let events = try json.standardError.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(events.count == 12)
        #expect(events.allSatisfy { $0["phase"] as? String == "heldout" && $0["total"] as? Int == 12 })
        #expect(events.map { $0["done"] as? Int } == (1...12).map { $0 })
        // Progress never says how an episode went.
        #expect(events.allSatisfy { $0["successes"] == nil && $0["success"] == nil })
    }

    @Test("the terminal sink writes to the process's streams (it once called itself until the stack overflowed)")
    func terminalWrites() {
        let terminal = CommandOutput.terminal
        terminal.standardOutput(Data())
        terminal.standardError(Data())
        #expect(CommandOutput.current.standardErrorIsTerminal == terminal.standardErrorIsTerminal)
    }
}
