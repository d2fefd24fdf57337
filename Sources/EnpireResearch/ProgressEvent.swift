public import Foundation

/// A machine-readable progress event of long work (`enpire main --progress json` prints one JSON line per event).
public struct ProgressEvent: Sendable, Codable, Equatable {
    /// The phase: `research`, `confirmation`, `heldout`.
    public var phase: String
    /// What is being counted in this phase (a held-out scoring's label, say); empty when the phase says it all.
    public var label: String
    /// Units finished (rounds, blocks, episodes).
    public var done: Int
    /// Units in the phase, when known.
    public var total: Int?
    /// Estimated seconds until the phase ends, when it can be estimated.
    public var etaSeconds: Double?

    /// Creates an event.
    public init(phase: String, label: String = "", done: Int, total: Int?, etaSeconds: Double?) {
        self.phase = phase
        self.label = label
        self.done = done
        self.total = total
        self.etaSeconds = etaSeconds
    }

    /// An event whose ETA extrapolates the time `done` units took since `start` to the `total`.
    public init(phase: String, label: String = "", done: Int, total: Int, since start: Date, doneBefore: Int = 0) {
        let counted = done - doneBefore
        let eta = counted > 0 && total > done
            ? Date().timeIntervalSince(start) / Double(counted) * Double(total - done) : (total > done ? nil : 0)
        self.init(phase: phase, label: label, done: done, total: total, etaSeconds: eta)
    }

    /// The ETA as log lines show it: "ETA 2 min 10 s", "ETA 40 s" or "ETA unknown".
    public var etaText: String {
        guard let etaSeconds else { return "ETA unknown" }
        let seconds = Int(etaSeconds.rounded())
        return seconds >= 60 ? "ETA \(seconds / 60) min \(seconds % 60) s" : "ETA \(seconds) s"
    }
}
