import Foundation

/// Counts the tokens an agent reports on its output.
///
/// Two forms are understood, one per line: `ENPIRE_TOKENS <n>` (or `ENPIRE_TOKENS=<n>`), which adds `n`; and a
/// JSON object carrying a `usage` object with `input_tokens`/`output_tokens` (and cache fields) or
/// `prompt_tokens`/`completion_tokens`, as CLI agents print in their JSON streaming modes. Anything else is
/// ignored, so an agent that reports nothing counts as zero, never as an error.
///
/// The sum saturates at `Int.max`: a report too large to represent (a digit string longer than `Int` holds,
/// a JSON number like `1e300`) counts as `Int.max`, which exceeds any budget, instead of overflowing.
public struct TokenMeter: Sendable, Equatable {
    /// Tokens counted so far (saturating at `Int.max`).
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
            let digits = rest.prefix { ("0"..."9").contains($0) }
            guard !digits.isEmpty else { return }
            add(Int(digits) ?? Int.max)
            return
        }
        guard trimmed.hasPrefix("{"), trimmed.contains("tokens"),
              let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
              let usage = TokenMeter.findUsage(in: object) else { return }
        let keys = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                    "prompt_tokens", "completion_tokens"]
        var sum = 0
        for key in keys {
            guard let number = usage[key] as? NSNumber else { continue }
            sum = Self.saturatingAdd(sum, Self.count(number.doubleValue))
        }
        if sum > 0 { add(sum) }
    }

    private mutating func add(_ tokens: Int) {
        total = Self.saturatingAdd(total, tokens)
        reports += 1
    }

    /// A reported count as a non-negative `Int`: negative and NaN count as 0, anything past `Int.max` as `Int.max`.
    private static func count(_ value: Double) -> Int {
        guard value.isNaN == false, value > 0 else { return 0 }
        return value >= 9.2e18 ? Int.max : Int(value)
    }

    private static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    private static func findUsage(in object: [String: Any]) -> [String: Any]? {
        if let usage = object["usage"] as? [String: Any] { return usage }
        for value in object.values {
            if let nested = value as? [String: Any], let usage = findUsage(in: nested) { return usage }
        }
        return nil
    }
}
