import Enpire
import Foundation
import Testing

/// Issue 17, class 3: parallel `enpire keep`/`revert` on one workspace, through the real CLI.
@Suite("Ledger under parallel processes")
struct LedgerConcurrencyTests {
    /// 40 `keep`/`revert` processes (plus 10 `enpire ledger` readers) at once: every acknowledged decision
    /// (exit 0) is in the ledger exactly once and the file parses. Before the fix (seek+write appends, readers
    /// truncating what looked like a torn line) records were lost or the file was corrupted.
    @Test func fortyParallelDecisionsLoseNothing() throws {
        let binary = AgentLoopTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws").path
        let initialised = try AgentLoopTests.enpire(["init", "--workspace", workspace, "--station", "s1",
                                                     "--episodes-per-trial", "1", "--held-out", "1"], in: folder)
        try #require(initialised.status == 0, "\(initialised.output)")
        let trial = try AgentLoopTests.enpire(["trial", "--workspace", workspace, "--recipe", "{}",
                                               "--hypothesis", "baseline", "--json"], in: folder)
        try #require(trial.status == 0, "\(trial.output)")

        // Forty pending trials: copies of the real one under new ids.
        let trials = URL(fileURLWithPath: workspace + ".operator").appendingPathComponent("pending")
        let original = try #require(try FileManager.default.contentsOfDirectory(atPath: trials.path)
            .first { $0.hasSuffix(".json") })
        let template = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: trials.appendingPathComponent(original))) as? [String: Any])
        try FileManager.default.removeItem(at: trials.appendingPathComponent(original))
        let ids = (1...40).map { "s1-p\($0)" }
        for (index, id) in ids.enumerated() {
            var copy = template
            copy["id"] = id
            copy["startedAt"] = Date().timeIntervalSince1970 + Double(index)
            try JSONSerialization.data(withJSONObject: copy).write(to: trials.appendingPathComponent("\(id).json"))
        }

        var processes: [(id: String?, process: Process, pipe: Pipe)] = []
        func launch(_ arguments: [String], id: String?) throws {
            let (process, pipe) = try AgentLoopTests.launch(arguments, in: folder)
            processes.append((id, process, pipe))
        }
        for (index, id) in ids.enumerated() {
            try launch([index % 2 == 0 ? "keep" : "revert", "--workspace", workspace, id], id: id)
            if index % 4 == 0 { try launch(["ledger", "--workspace", workspace, "--json"], id: nil) }
        }
        var acknowledged: [String] = []
        var failures: [String] = []
        for (id, process, pipe) in processes {
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus == 0 {
                if let id { acknowledged.append(id) }
            } else {
                failures.append("\(id ?? "ledger reader") exited \(process.terminationStatus): \(output)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        let file = URL(fileURLWithPath: workspace).appendingPathComponent("ledger.jsonl")
        let records = try ExperimentLedger.readRecords(at: file)
        let recorded = records.map(\.id)
        #expect(acknowledged.count == 40)
        #expect(Set(acknowledged).subtracting(recorded).isEmpty, "lost: \(Set(acknowledged).subtracting(recorded))")
        #expect(recorded.count == Set(recorded).count, "duplicates in \(recorded)")
        #expect(records.filter { $0.decision == .keep }.count == 20)
        // Every line is complete: the file ends with a newline and nothing was set aside.
        #expect(try Data(contentsOf: file).last == 0x0a)
        #expect(!FileManager.default.fileExists(atPath: file.path + ".torn"))
        let table = try String(contentsOf: URL(fileURLWithPath: workspace).appendingPathComponent("results.md"),
                               encoding: .utf8)
        #expect(ids.allSatisfy { table.contains("| \($0) |") }, "the table is regenerated from the whole file")
    }
}
