import Foundation

/// Counts the tokens an agent reports on its output.
///
/// Two forms are understood, one per line: `ENPIRE_TOKENS <n>` (or `ENPIRE_TOKENS=<n>`), which adds `n`; and a
/// JSON object carrying a `usage` object with `input_tokens`/`output_tokens` (and cache fields) or
/// `prompt_tokens`/`completion_tokens`, as CLI agents print in their JSON streaming modes. Anything else is
/// ignored, so an agent that reports nothing counts as zero, never as an error.
public struct TokenMeter: Sendable, Equatable {
    /// Tokens counted so far.
    public private(set) var total = 0
    /// Lines that carried a token report.
    public private(set) var reports = 0

    /// Creates an empty meter.
    public init() {}

    /// Reads one line of agent output.
    public mutating func consume(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("ENPIRE_TOKENS") {
            let rest = trimmed.dropFirst("ENPIRE_TOKENS".count).drop { $0 == " " || $0 == "=" || $0 == ":" }
            if let n = Int(rest.prefix { $0.isNumber }), n >= 0 {
                total += n
                reports += 1
            }
            return
        }
        guard trimmed.hasPrefix("{"), trimmed.contains("tokens"),
              let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
              let usage = TokenMeter.findUsage(in: object) else { return }
        let keys = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                    "prompt_tokens", "completion_tokens"]
        let sum = keys.compactMap { (usage[$0] as? NSNumber)?.intValue }.reduce(0, +)
        if sum > 0 {
            total += sum
            reports += 1
        }
    }

    private static func findUsage(in object: [String: Any]) -> [String: Any]? {
        if let usage = object["usage"] as? [String: Any] { return usage }
        for value in object.values {
            if let nested = value as? [String: Any], let usage = findUsage(in: nested) { return usage }
        }
        return nil
    }
}
