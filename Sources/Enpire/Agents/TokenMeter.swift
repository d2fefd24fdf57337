import Foundation

/// Counts the tokens an agent reports on its output, each token once.
///
/// Understood, one report per line:
/// - `ENPIRE_TOKENS <n>` (or `ENPIRE_TOKENS=<n>`): adds `n`.
/// - Claude Code's `--output-format stream-json`: every `assistant` event carries its message's usage, and a
///   message split into several content blocks repeats the same message id with a growing `output_tokens`; the
///   final `result` event carries the session's totals. The meter keeps the latest usage per message id while a
///   session runs and replaces the session's running sum by the `result` totals when they arrive, so nothing is
///   counted twice. Tokens are input + output + cache creation + cache reads (every token the model processed).
/// - Codex's `exec --json`: `turn.completed` carries the thread's usage *since the thread started* (cumulative,
///   not the turn's delta), so the latest figure per thread counts; `cached_input_tokens` is part of
///   `input_tokens` and is not added again. Older Codex builds print `total_token_usage`, also cumulative.
/// - Any other JSON object with a `usage` object (`input_tokens`/`output_tokens`, cache fields, or
///   `prompt_tokens`/`completion_tokens`, as API-style agents print per call): added as it comes.
///
/// Anything else is ignored, so an agent that reports nothing counts as zero, never as an error. The sum saturates
/// at `Int.max`: a report too large to represent counts as `Int.max`, which exceeds any budget, instead of
/// overflowing.
public struct TokenMeter: Sendable, Equatable {
    /// Lines that carried a token report.
    public private(set) var reports = 0

    /// Tokens from `ENPIRE_TOKENS` lines and per-call usage objects.
    private var additive = 0
    /// Per Claude Code session: latest usage per message id, in arrival order of the messages.
    private var messages: [String: [String: Int]] = [:]
    /// Per Claude Code session: the `result` event's totals, once seen.
    private var sessionTotals: [String: Int] = [:]
    /// Per Codex thread: the latest cumulative usage.
    private var threadTotals: [String: Int] = [:]
    /// The Codex thread the stream is in (from `thread.started`).
    private var currentThread = ""

    /// Creates an empty meter.
    public init() {}

    /// Tokens counted so far (saturating at `Int.max`).
    public var total: Int {
        var sum = additive
        for (session, perMessage) in messages where sessionTotals[session] == nil {
            for tokens in perMessage.values { sum = Self.saturatingAdd(sum, tokens) }
        }
        for tokens in sessionTotals.values { sum = Self.saturatingAdd(sum, tokens) }
        for tokens in threadTotals.values { sum = Self.saturatingAdd(sum, tokens) }
        return sum
    }

    /// Reads one line of agent output.
    public mutating func consume(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("ENPIRE_TOKENS") {
            let rest = trimmed.dropFirst("ENPIRE_TOKENS".count).drop { $0 == " " || $0 == "=" || $0 == ":" }
            let digits = rest.prefix { ("0"..."9").contains($0) }
            guard !digits.isEmpty else { return }
            additive = Self.saturatingAdd(additive, Int(digits) ?? Int.max)
            reports += 1
            return
        }
        // Only lines that can carry a report are parsed (tool output can be long and frequent).
        guard trimmed.hasPrefix("{"), trimmed.contains("tokens") || trimmed.contains("thread.started"),
              let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any]
        else { return }
        let type = object["type"] as? String
        if type == "thread.started" {
            currentThread = object["thread_id"] as? String ?? ""
            return
        }
        switch type {
        case "assistant":
            guard let message = object["message"] as? [String: Any],
                  let usage = message["usage"] as? [String: Any] else { return }
            let session = object["session_id"] as? String ?? ""
            let id = message["id"] as? String ?? "line \(reports)"
            let tokens = Self.claudeTokens(usage)
            messages[session, default: [:]][id] = max(messages[session]?[id] ?? 0, tokens)
            reports += 1
        case "result":
            guard let usage = object["usage"] as? [String: Any] else { return }
            let session = object["session_id"] as? String ?? ""
            sessionTotals[session] = Self.claudeTokens(usage)
            reports += 1
        case "turn.completed":
            guard let usage = object["usage"] as? [String: Any] else { return }
            recordThreadTotal(Self.codexTokens(usage))
        default:
            if let cumulative = Self.find("total_token_usage", in: object) {
                recordThreadTotal(Self.codexTokens(cumulative))
            } else if let usage = Self.find("usage", in: object) {
                let tokens = Self.claudeTokens(usage)
                guard tokens > 0 else { return }
                additive = Self.saturatingAdd(additive, tokens)
                reports += 1
            }
        }
    }

    private mutating func recordThreadTotal(_ tokens: Int) {
        threadTotals[currentThread] = max(threadTotals[currentThread] ?? 0, tokens)
        reports += 1
    }

    /// Every token a Claude-style (or chat-completions-style) usage object names.
    private static func claudeTokens(_ usage: [String: Any]) -> Int {
        sum(usage, keys: ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                          "prompt_tokens", "completion_tokens"])
    }

    /// A Codex usage object: cached input is a part of `input_tokens`, reasoning a part of `output_tokens`.
    private static func codexTokens(_ usage: [String: Any]) -> Int {
        sum(usage, keys: ["input_tokens", "output_tokens"])
    }

    private static func sum(_ usage: [String: Any], keys: [String]) -> Int {
        var sum = 0
        for key in keys {
            guard let number = usage[key] as? NSNumber else { continue }
            sum = saturatingAdd(sum, count(number.doubleValue))
        }
        return sum
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

    /// The first object stored under `key`, searched depth-first (bounded by the JSON's own nesting).
    private static func find(_ key: String, in object: [String: Any]) -> [String: Any]? {
        if let found = object[key] as? [String: Any] { return found }
        for value in object.values {
            if let nested = value as? [String: Any], let found = find(key, in: nested) { return found }
        }
        return nil
    }
}
