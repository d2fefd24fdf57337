import EnpireTesting
import Foundation
import Testing

/// `enpire mcp` driven by a client no one here wrote: the official Python MCP SDK (PyPI `mcp`), through
/// `Python/drive_station.py` (3 Push-T trials and 1 pin-insertion trial, keep, revert, episodes, frames as images,
/// tool errors, e-stop). Needs an interpreter with `mcp` (`source scripts/python-env.sh mcp` sets
/// `ENPIRE_PYTHON`); skipped without one. It runs the `enpire` executable, so it takes about as long as its
/// 4-episode trials: set `ENPIRE_HEAVY=1` to run it.
@Suite("Python MCP client drives enpire mcp")
struct PythonClientTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("enpire")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Python/drive_station.py")

    @Test("3 Push-T trials, 1 pin trial, keep, revert, frames as images, errors as tool errors",
          .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"
                       && PythonProbe.interpreter(requiring: ["mcp"]) != nil
                       && FileManager.default.isExecutableFile(atPath: binary.path)))
    func driveStation() throws {
        let python = try #require(PythonProbe.interpreter(requiring: ["mcp"]))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-mcp-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = try String(contentsOf: Self.script, encoding: .utf8)
        let output = try PythonProbe.run(python, script: source, arguments: [Self.binary.path, scratch.path, "4"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        let ledger = try #require(report["pushtLedger"] as? [[Any]])
        #expect(ledger.map { $0.last as? String } == ["keep", "revert"])
        #expect((report["pushtTrials"] as? [Any])?.count == 3)
        #expect((report["pinFrames"] as? [Any])?.isEmpty == false)
        #expect((report["afterEStop"] as? String)?.contains("emergency stop") == true)
    }
}
