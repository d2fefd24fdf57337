import ArgumentParser
import EnpireResearch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a long command reports progress on standard error.
enum ProgressFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `[  12.3s] message` lines; on a terminal, progress events also draw a bar on the last line.
    case text
    /// One JSON object per line: `{"event":"log",...}` for each message, `{"event":"progress",...}` with
    /// phase, done, total and eta_seconds for each progress event.
    case json

    /// The logger and progress sink of one command run that started at `start`.
    func output(since start: Date) -> ProgressOutput {
        ProgressOutput(format: self, start: start,
                       terminal: self == .text && CommandOutput.current.standardErrorIsTerminal)
    }
}

/// Where a command's log lines and progress events go: standard error, as text lines (with a progress bar on a
/// terminal) or as NDJSON.
struct ProgressOutput: Sendable {
    let format: ProgressFormat
    let start: Date
    let sink: ProgressSink

    init(format: ProgressFormat, start: Date, terminal: Bool) {
        self.format = format
        self.start = start
        self.sink = ProgressSink(terminal: terminal)
    }

    /// A swift-log logger whose lines go to standard error in this format.
    func logger(label: String = "enpire") -> Logger {
        var logger = Logger(label: label) { _ in ProgressLogHandler(format: format, start: start, sink: sink) }
        logger.logLevel = .info
        return logger
    }

    /// The progress-event sink: NDJSON for json, a bar for text on a terminal, nothing otherwise (text log lines
    /// carry the ETA).
    var events: (@Sendable (ProgressEvent) -> Void)? {
        let format = self.format, start = self.start, sink = self.sink
        switch format {
        case .json:
            return { event in sink.writeLine(Self.json(event, start: start)) }
        case .text:
            guard sink.terminal else { return nil }
            return { event in sink.drawBar(Self.bar(event), final: event.total.map { event.done >= $0 } ?? false) }
        }
    }

    /// Reports `event` (the events sink, if there is one).
    func report(_ event: ProgressEvent) { events?(event) }

    /// A closure to call with the units done so far: a progress event with an ETA (NDJSON, or a bar on a terminal)
    /// or, for text off a terminal, a log line every `every` units and at the end.
    func counter(phase: String, total: Int, every: Int = 1) -> @Sendable (Int) -> Void {
        let start = Date(), sink = eventSink(phase, every: every)
        return { done in sink(ProgressEvent(phase: phase, done: done, total: total, since: start)) }
    }

    /// A closure for events that carry their own ETA (a trial's, an evaluation's): the events sink (NDJSON, or a
    /// bar on a terminal) or, for text off a terminal, a log line `name: done/total<unit>, ETA …` every `every`
    /// units and at the end.
    func eventSink(_ name: String, unit: String = "", every: Int = 1) -> @Sendable (ProgressEvent) -> Void {
        if let events { return events }
        let logger = logger(label: "enpire.\(name)")
        return { event in
            guard event.done % max(every, 1) == 0 || event.done == event.total else { return }
            logger.info("\(name): \(event.done)/\(event.total ?? 0)\(unit), \(event.etaText)")
        }
    }

    /// An event as one NDJSON object.
    static func json(_ event: ProgressEvent, start: Date) -> String {
        var object: [String: Any] = ["event": "progress", "phase": event.phase, "done": event.done,
                                     "elapsed_seconds": (Date().timeIntervalSince(start) * 10).rounded() / 10]
        if !event.label.isEmpty { object["label"] = event.label }
        if let total = event.total { object["total"] = total }
        if let eta = event.etaSeconds { object["eta_seconds"] = (eta * 10).rounded() / 10 }
        return jsonLine(object)
    }

    /// An event as a terminal progress bar: `research [#######.............] 12/40  ETA 1 min 5 s`.
    static func bar(_ event: ProgressEvent, width: Int = 24) -> String {
        let name = event.label.isEmpty ? event.phase : "\(event.phase) \(event.label)"
        guard let total = event.total, total > 0 else { return "\(name) \(event.done)  \(event.etaText)" }
        let filled = min(width, max(0, event.done * width / total))
        return "\(name) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
            + "\(event.done)/\(total)  \(event.etaText)"
    }

    static func jsonLine(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Serialises writes to standard error and keeps a progress bar on the terminal's last line.
final class ProgressSink: Sendable {
    let terminal: Bool
    private let bar = Mutex<String?>(nil)
    /// The command's sink, captured when the command starts: log lines come from any thread.
    private let output = CommandOutput.current

    init(terminal: Bool) { self.terminal = terminal }

    /// Writes a line (above the bar, which is redrawn after it).
    func writeLine(_ line: String) {
        bar.withLock { bar in
            let clear = terminal && bar != nil ? "\r\u{1B}[2K" : ""
            output.standardError(Data((clear + line + "\n" + (terminal ? bar ?? "" : "")).utf8))
        }
    }

    /// Replaces the bar; a `final` bar (its phase is done) stays on its own line and the next output starts below.
    func drawBar(_ text: String, final: Bool) {
        bar.withLock { bar in
            bar = final ? nil : text
            output.standardError(Data(("\r\u{1B}[2K" + text + (final ? "\n" : "")).utf8))
        }
    }
}

/// A swift-log handler writing `[  12.3s] message` lines or `{"event":"log",...}` NDJSON to standard error.
struct ProgressLogHandler: LogHandler {
    let format: ProgressFormat
    let start: Date
    let sink: ProgressSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let elapsed = Date().timeIntervalSince(start)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        switch format {
        case .json:
            var object: [String: Any] = ["event": "log", "elapsed_seconds": (elapsed * 10).rounded() / 10,
                                         "message": event.message.description]
            if event.level != .info { object["level"] = event.level.rawValue }
            if !merged.isEmpty { object["metadata"] = merged.mapValues(\.description) }
            sink.writeLine(ProgressOutput.jsonLine(object))
        case .text:
            let level = event.level == .info ? "" : "\(event.level.rawValue): "
            sink.writeLine("[\(String(format: "%6.1fs", elapsed))] \(level)\(event.message)")
        }
    }
}

/// Counts finished units from several threads and reports each new total to a ``ProgressOutput/counter(phase:total:every:)``.
final class ProgressTicker: Sendable {
    private let count = Mutex(0)
    private let report: @Sendable (Int) -> Void

    init(_ report: @escaping @Sendable (Int) -> Void) { self.report = report }

    /// One more unit is done.
    func tick() {
        report(count.withLock { count in
            count += 1
            return count
        })
    }
}
