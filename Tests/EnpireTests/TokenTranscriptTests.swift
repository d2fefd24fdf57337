import Enpire
import Foundation
import Testing

/// Token accounting on the two CLI agents' JSON streams: totals counted once, not per event.
///
/// The usage figures, event order and message ids below are those of recorded sessions published with other
/// projects (the message texts are ours, shortened):
/// - Claude Code `-p --output-format stream-json --verbose`, claude-opus-4 (published in sseshaheen/sheenapps,
///   apps/worker/scripts/test-stream-parser.js): two assistant events share one message id (a text block, then a
///   tool-use block with the message's grown `output_tokens`), and the `result` event carries the session totals
///   (11 input, 489 cache creation, 29,482 cache reads, 235 output = 30,217 tokens over 9,974 ms).
/// - Codex 0.46.0 `exec --json` (published in jnarowski/agentcmd, .agent/research/codex/format-comparison.md):
///   one turn, 2,946 input and 7 output tokens. The resumed second turn below follows codex-rs's JSONL writer,
///   which fills `turn.completed.usage` with the thread's total since it started (not the turn's delta).
@Suite("Token accounting on recorded agent transcripts")
struct TokenTranscriptTests {
    static let claudeStreamJSON = """
        {"type":"system","subtype":"init","cwd":"/ws","session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c","tools":["Bash","Read","Write"],"mcp_servers":[],"model":"claude-opus-4-20250514","permissionMode":"bypassPermissions","apiKeySource":"none"}
        {"type":"assistant","message":{"id":"msg_016zHRZski2oGidHWWWX6JX3","type":"message","role":"assistant","model":"claude-opus-4-20250514","content":[{"type":"text","text":"I will write the file."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":14741,"output_tokens":7,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c"}
        {"type":"assistant","message":{"id":"msg_016zHRZski2oGidHWWWX6JX3","type":"message","role":"assistant","model":"claude-opus-4-20250514","content":[{"type":"tool_use","id":"toolu_01SgzUTq5XcJT6XpPVsVyonQ","name":"Write","input":{"file_path":"/ws/index.html","content":"<h1>hello</h1>"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":14741,"output_tokens":210,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c"}
        {"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01SgzUTq5XcJT6XpPVsVyonQ","type":"tool_result","content":"File created successfully"}]},"parent_tool_use_id":null,"session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c"}
        {"type":"assistant","message":{"id":"msg_014DyVxxMEcQJkTceXpC6eaS","type":"message","role":"assistant","model":"claude-opus-4-20250514","content":[{"type":"text","text":"Done."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"cache_creation_input_tokens":489,"cache_read_input_tokens":14741,"output_tokens":9,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":9974,"duration_api_ms":18963,"num_turns":4,"result":"Done.","session_id":"4e4fa00e-5e28-405f-a0bd-5f1f7d57511c","total_cost_usd":0.09007774999999998,"usage":{"input_tokens":11,"cache_creation_input_tokens":489,"cache_read_input_tokens":29482,"output_tokens":235,"server_tool_use":{"web_search_requests":0},"service_tier":"standard"}}
        """

    static let codexExecJSON = """
        {"type":"thread.started","thread_id":"019a2d7a-41c4-78b1-b7cc-a45d62a89cd5"}
        {"type":"turn.started"}
        {"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Providing simple answer**"}}
        {"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"4"}}
        {"type":"turn.completed","usage":{"input_tokens":2946,"cached_input_tokens":0,"output_tokens":7}}
        {"type":"turn.started"}
        {"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"5"}}
        {"type":"turn.completed","usage":{"input_tokens":5960,"cached_input_tokens":2816,"output_tokens":15}}
        """

    private static func meter(_ transcript: String) -> TokenMeter {
        var meter = TokenMeter()
        for line in transcript.split(separator: "\n") { meter.consume(line: String(line)) }
        return meter
    }

    @Test("Claude Code stream-json: the result event's totals, not the sum of every event")
    func claudeCountsTheSessionOnce() {
        // Summing every usage-bearing line, as the meter used to, gives 75,170 (the repeated message and the
        // result's totals counted on top of the events).
        #expect(Self.meter(Self.claudeStreamJSON).total == 11 + 489 + 29_482 + 235)
        // Before the result arrives, each message counts once with its latest usage.
        let running = Self.meter(Self.claudeStreamJSON.split(separator: "\n").dropLast().joined(separator: "\n"))
        #expect(running.total == (4 + 14_741 + 210) + (7 + 489 + 14_741 + 9))
    }

    @Test("Codex exec --json: the thread's latest cumulative usage; cached input is part of input")
    func codexCountsTheThreadOnce() {
        #expect(Self.meter(Self.codexExecJSON).total == 5_960 + 15)
        let firstTurn = Self.meter(Self.codexExecJSON.split(separator: "\n").prefix(5).joined(separator: "\n"))
        #expect(firstTurn.total == 2_946 + 7)
    }

    @Test("the runner reports the transcripts' totals and tokens per minute")
    func runnerReportsMTU() async throws {
        let dir = try AgentRunnerTests.workspace()
        let transcript = dir.appendingPathComponent("agent.jsonl")
        try (Self.claudeStreamJSON + "\n" + Self.codexExecJSON + "\n").write(to: transcript, atomically: true,
                                                                              encoding: .utf8)
        let runner = AgentRunner(command: ["/bin/cat", transcript.path], workingDirectory: dir,
                                 budget: AgentBudget(wallSeconds: 30, trials: 1, tokens: 1_000_000))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .exited)
        #expect(report.tokens == 30_217 + 5_975)
        #expect(report.tokensPerMinute > 0)
    }
}
