import Enpire
import EnpireProcess
import EnpireResearch
import Foundation
import Testing

/// The PNG copies of the report's figures (rsvg-convert through swift-subprocess) and the child-process runner.
@Suite("PNG figures beside the SVGs")
struct SVGRasterizerTests {
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-png-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func svg(width: Int, height: Int, in folder: URL, name: String) throws -> URL {
        let plot = LinePlot(title: "a figure", xLabel: "x", yLabel: "y",
                            series: [.init(label: "s", points: [(0, 0.1), (1, 0.5), (2, 0.9)])], yRange: 0...1)
        let url = folder.appendingPathComponent("\(name).svg")
        try Data(plot.svg(width: width, height: height).utf8).write(to: url)
        return url
    }

    /// The width and height in a PNG's IHDR chunk, after checking the 8-byte signature.
    static func pngSize(_ url: URL) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: url))
        try #require(bytes.count > 24)
        #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG: \(url.lastPathComponent)")
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        func big(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (big(16), big(20))
    }

    @Test("each SVG gets a PNG of its own pixel size beside it")
    func writesPNGs() async throws {
        let folder = try Self.folder("sizes")
        defer { try? FileManager.default.removeItem(at: folder) }
        let svgs = [try Self.svg(width: 800, height: 500, in: folder, name: "wide"),
                    try Self.svg(width: 320, height: 240, in: folder, name: "small")]
        let outcome = await SVGRasterizer().writePNGs(for: svgs)
        #expect(outcome.skipped == nil, "\(outcome.note)")
        #expect(outcome.written.map(\.lastPathComponent) == ["wide.png", "small.png"])
        let wide = try Self.pngSize(folder.appendingPathComponent("wide.png"))
        #expect(wide.width == 800 && wide.height == 500)
        let small = try Self.pngSize(folder.appendingPathComponent("small.png"))
        #expect(small.width == 320 && small.height == 240)
        #expect(outcome.note.contains("`wide.png`, `small.png`"))
    }

    @Test("a missing rasteriser leaves the SVGs, writes no PNG and says why in one line")
    func missingTool() async throws {
        let folder = try Self.folder("missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = try Self.svg(width: 400, height: 300, in: folder, name: "figure")
        let outcome = await SVGRasterizer(tool: "/nonexistent/rsvg-convert").writePNGs(for: [svg])
        #expect(outcome.written.isEmpty)
        #expect(outcome.skipped?.contains("/nonexistent/rsvg-convert` is not installed") == true, "\(outcome.note)")
        #expect(outcome.note.hasPrefix("PNG copies of the figures were skipped: ") && !outcome.note.contains("\n"))
        #expect(FileManager.default.fileExists(atPath: svg.path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("figure.png").path))
    }

    @Test("a rasteriser that fails on a figure removes the PNGs of the call and reports its error")
    func failingTool() async throws {
        let folder = try Self.folder("failing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Self.svg(width: 200, height: 100, in: folder, name: "good")
        let bad = folder.appendingPathComponent("bad.svg")
        try Data("<svg this is not xml".utf8).write(to: bad)
        let outcome = await SVGRasterizer().writePNGs(for: [good, bad])
        #expect(outcome.written.isEmpty)
        #expect(outcome.skipped?.contains("rsvg-convert on bad.svg` failed (status 1") == true, "\(outcome.note)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("good.png").path))
    }

    @Test("a child's output is kept to its end within the limit, its lines handed on, its time limited")
    func childProcess() async throws {
        // 50,000 lines (about 290 kB, more than a pipe holds) on standard output: only the last 1,000 bytes are kept.
        let chatty = ChildCommand("/bin/sh", arguments: ["-c", "seq 1 50000; echo oops >&2; exit 3"])
        let lines = LineCounter()
        let result = try await ChildProcess.run(chatty, outputLimit: 1000) { lines.add($0) }
        #expect(result.status == 3 && !result.succeeded && !result.signalled)
        #expect(result.standardOutput.utf8.count == 1000 && result.standardOutput.hasSuffix("49999\n50000\n"))
        #expect(result.standardError == "oops\n")
        #expect(lines.count == 50_000)
        await #expect(throws: ChildProcessError.failed(command: chatty.displayText, status: 3, standardErrorTail: "oops\n")) {
            try await ChildProcess.output(of: chatty)
        }
        await #expect(throws: ChildProcessError.notFound(program: "enpire-no-such-tool")) {
            try await ChildProcess.run(ChildCommand("enpire-no-such-tool"))
        }
        let start = Date()
        // Stopped by SIGTERM at its limit, long before its 120 s (the bound leaves room for a loaded test run).
        let slow = try await ChildProcess.run(ChildCommand("/bin/sleep", arguments: ["120"]), timeout: 0.5)
        #expect(slow.timedOut && slow.signalled && slow.status == 128 + 15)
        #expect(Date().timeIntervalSince(start) < 60)
        let combined = try await ChildProcess.run(ChildCommand("/bin/sh", arguments: ["-c", "echo a; echo b >&2; echo c"]),
                                                  combineOutputs: true)
        #expect(combined.standardOutput == "a\nb\nc\n" && combined.standardError.isEmpty)
    }
}

/// Counts lines handed on from another task.
private final class LineCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var lines = 0
    func add(_: String) { lock.withLock { lines += 1 } }
    var count: Int { lock.withLock { lines } }
}
