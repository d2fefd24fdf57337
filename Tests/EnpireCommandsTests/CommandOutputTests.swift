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

    @Test("the terminal sink writes to the process's streams (it once called itself until the stack overflowed)")
    func terminalWrites() {
        let terminal = CommandOutput.terminal
        terminal.standardOutput(Data())
        terminal.standardError(Data())
        #expect(CommandOutput.current.standardErrorIsTerminal == terminal.standardErrorIsTerminal)
    }
}
