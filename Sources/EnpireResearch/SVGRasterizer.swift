public import Foundation
import EnpireProcess

/// Writes a PNG copy beside SVG figures, for tools that cannot show SVG, by running Debian's `rsvg-convert`
/// (package librsvg2-bin, installed by `scripts/setup.sh`) through swift-subprocess.
///
/// A missing or failing rasteriser never fails a report: the SVGs stay, and ``Outcome/note`` says in one line
/// that the PNGs were skipped and why.
public struct SVGRasterizer: Sendable {
    /// The rasteriser: a program name looked up on `PATH` or a path.
    public var tool: String
    /// Seconds one figure may take.
    public var timeout: Double

    /// The environment variable that names the rasteriser instead of `rsvg-convert` on `PATH`.
    public static let toolVariable = "ENPIRE_RSVG_CONVERT"

    /// Creates a rasteriser that runs `tool` (`nil`: `$ENPIRE_RSVG_CONVERT`, else `rsvg-convert` on `PATH`).
    public init(tool: String? = nil, timeout: Double = 60) {
        self.tool = tool ?? ProcessInfo.processInfo.environment[Self.toolVariable] ?? "rsvg-convert"
        self.timeout = timeout
    }

    /// What ``writePNGs(for:)`` did.
    public struct Outcome: Sendable, Equatable {
        /// The PNG files written, one per SVG, in order.
        public var written: [URL]
        /// Why PNGs were skipped (one line), or `nil` when every one was written.
        public var skipped: String?

        /// One line for a report: which PNG copies sit beside the SVGs, or why there are none.
        public var note: String {
            if let skipped { return "PNG copies of the figures were skipped: \(skipped)." }
            let names = written.map { "`\($0.lastPathComponent)`" }.joined(separator: ", ")
            return "PNG copies of the figures (for tools that cannot show SVG): \(names)."
        }
    }

    /// Writes `<name>.png` beside each `<name>.svg` in `svgs` at the SVG's own size; stops at the first failure
    /// (removing the PNGs of this call, so a folder never holds a partial set) and says why in the outcome.
    public func writePNGs(for svgs: [URL]) async -> Outcome {
        var written: [URL] = []
        for svg in svgs {
            let png = svg.deletingPathExtension().appendingPathExtension("png")
            do {
                try Self.check(try await ChildProcess.run(command(svg, png), timeout: timeout, outputLimit: 4096),
                               svg: svg, png: png, tool: tool, timeout: timeout)
                written.append(png)
            } catch {
                for file in written + [png] { try? FileManager.default.removeItem(at: file) }
                return Outcome(written: [], skipped: Self.reason(error))
            }
        }
        return Outcome(written: written, skipped: nil)
    }

    private func command(_ svg: URL, _ png: URL) -> ChildCommand {
        ChildCommand(tool, arguments: ["--format", "png", "--output", png.path, svg.path])
    }

    private static func check(_ result: ChildProcessResult, svg: URL, png: URL, tool: String, timeout: Double) throws {
        guard result.succeeded, FileManager.default.fileExists(atPath: png.path) else {
            let reason = result.timedOut ? "it took longer than \(Int(timeout)) s" : "status \(result.status)"
            let tail = result.standardError.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw ChildProcessError.cannotStart(command: "\(tool) on \(svg.lastPathComponent)", reason: reason + tail)
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? ChildProcessError {
        case .notFound(let program)?:
            return "`\(program)` is not installed (Debian package librsvg2-bin: `bash scripts/setup.sh`)"
        case .cannotStart(let command, let reason)?:
            return "`\(command)` failed (\(reason))"
        default:
            return "\(error)".replacingOccurrences(of: "\n", with: " ")
        }
    }
}
