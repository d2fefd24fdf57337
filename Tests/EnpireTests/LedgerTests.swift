import Enpire
import EnpireTesting
import Foundation
import Testing

@Suite("Experiment ledger")
struct LedgerTests {
    @Test("records survive reopening; a torn last line is dropped and later appends stay readable")
    func appendReopenTorn() async throws {
        let folder = try LedgerFixtures.temporaryFolder("ledger")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ledger.jsonl")
        let ledger = try ExperimentLedger(fileURL: file, createIfMissing: true)
        try await ledger.append(try LedgerFixtures.record(id: "r1", station: "a", successes: 30, trials: 50))
        try await ledger.append(try LedgerFixtures.record(id: "r2", station: "b", successes: 1, trials: 1))
        try await ledger.append(try LedgerFixtures.record(id: "r3", station: "a", successes: 45, trials: 50,
                                                         decision: .revert))

        // Simulate a crash halfway through writing a fourth record.
        let fourth = try CanonicalJSON.encode(try LedgerFixtures.record(id: "r4", station: "a", successes: 2,
                                                                       trials: 50))
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: fourth.prefix(fourth.count / 2))
        try handle.close()

        let before = try Data(contentsOf: file)
        let reopened = try ExperimentLedger(fileURL: file)
        #expect(await reopened.allRecords().map(\.id) == ["r1", "r2", "r3"])
        #expect(await reopened.tornTail != nil)
        #expect(try Data(contentsOf: file) == before, "opening (reading) never writes")
        try await reopened.append(try LedgerFixtures.record(id: "r5", station: "b", successes: 40, trials: 50))
        #expect(try ExperimentLedger.readRecords(at: file).map(\.id) == ["r1", "r2", "r3", "r5"])
        // The torn half-record was moved aside, not deleted.
        let aside = try Data(contentsOf: reopened.tornTailFileURL)
        #expect(aside == fourth.prefix(fourth.count / 2) + [0x0a])
        #expect(await reopened.movedTornTails.count == 1)
        #expect(await reopened.tornTail == nil)

        // Queries: the lower Wilson bound ranks 40/50 above 1/1; reverted records never count as best.
        #expect(await reopened.bestKept()?.id == "r5")
        #expect(await reopened.bestKept(task: "other") == nil)
        #expect(await reopened.history(station: "a").map(\.id) == ["r1", "r3"])

        let table = try String(contentsOf: folder.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(table.contains("| 4 | r5 | b | pusht | keep | 40/50 | 0.800 |"))
        #expect(table.contains("revert"))
    }

    /// Issue 17, class 3: opening (as `status` does) deleted a complete record that lacked only its newline.
    @Test("a complete last record without its newline is kept by readers and completed by the next append")
    func unterminatedCompleteRecordIsKept() async throws {
        let folder = try LedgerFixtures.temporaryFolder("ledger-unterminated")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ledger.jsonl")
        var data = try CanonicalJSON.encode(try LedgerFixtures.record(id: "r1", station: "a", successes: 1, trials: 2))
        data.append(0x0a)
        data.append(try CanonicalJSON.encode(try LedgerFixtures.record(id: "r2", station: "a", successes: 2, trials: 2)))
        try data.write(to: file)
        let ledger = try ExperimentLedger(fileURL: file)
        #expect(await ledger.allRecords().map(\.id) == ["r1", "r2"])
        #expect(await ledger.tornTail == nil)
        #expect(try Data(contentsOf: file) == data, "opening never writes")
        try await ledger.append(try LedgerFixtures.record(id: "r3", station: "a", successes: 1, trials: 2))
        #expect(try ExperimentLedger.readRecords(at: file).map(\.id) == ["r1", "r2", "r3"])
        #expect(!FileManager.default.fileExists(atPath: ledger.tornTailFileURL.path))
    }

    /// Issue 17, class 3: a deleted ledger was silently recreated empty.
    @Test("a missing ledger is an error, for opening and for appending; it is never recreated empty")
    func missingLedgerIsAnError() async throws {
        let folder = try LedgerFixtures.temporaryFolder("ledger-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ledger.jsonl")
        #expect(throws: LedgerError.missing(path: file.path)) { _ = try ExperimentLedger(fileURL: file) }
        #expect(!FileManager.default.fileExists(atPath: file.path))
        let ledger = try ExperimentLedger(fileURL: file, createIfMissing: true)
        try await ledger.append(try LedgerFixtures.record(id: "r1", station: "a", successes: 1, trials: 2))
        try FileManager.default.removeItem(at: file)
        await #expect(throws: LedgerError.missing(path: file.path)) {
            try await ledger.append(try LedgerFixtures.record(id: "r2", station: "a", successes: 1, trials: 2))
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test("a corrupt line in the middle is an error, not silently skipped")
    func corruptMiddleLine() throws {
        let folder = try LedgerFixtures.temporaryFolder("ledger-corrupt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ledger.jsonl")
        var data = try CanonicalJSON.encode(try LedgerFixtures.record(id: "r1", station: "a", successes: 1, trials: 2))
        data.append(contentsOf: Array("{not json}\n".utf8))
        data.append(try CanonicalJSON.encode(try LedgerFixtures.record(id: "r2", station: "a", successes: 1, trials: 2)))
        data.append(0x0a)
        // The first record lacks its newline on purpose: line 1 is then "{...}{not json}", which is corrupt.
        try data.write(to: file)
        #expect(throws: LedgerError.self) { _ = try ExperimentLedger.readRecords(at: file) }
    }
}

@Suite("Trial results")
struct TrialResultsTests {
    @Test("mean steps to success is kept with successes, dropped without, and refused when invalid")
    func meanSteps() throws {
        #expect(try TrialResults(successes: 3, trials: 4, meanStepsToSuccess: 120).meanStepsToSuccess == 120)
        #expect(try TrialResults(successes: 0, trials: 4, meanStepsToSuccess: 120).meanStepsToSuccess == nil)
        #expect(throws: EvaluationError.self) { try TrialResults(successes: 1, trials: 4, meanStepsToSuccess: -1) }
        #expect(throws: EvaluationError.self) { try TrialResults(successes: 1, trials: 4, meanStepsToSuccess: .nan) }
        // Records written before the field existed still decode.
        let old = #"{"successes":2,"trials":4,"rate":0.5,"wilsonLower":0.15,"wilsonUpper":0.85}"#
        let decoded = try JSONDecoder().decode(TrialResults.self, from: Data(old.utf8))
        #expect(decoded.successes == 2 && decoded.meanStepsToSuccess == nil)
    }
}
