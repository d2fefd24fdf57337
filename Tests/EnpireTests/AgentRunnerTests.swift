import Enpire
import Foundation
import Testing

@Suite("External agent runner")
struct AgentRunnerTests {
    private func workspace() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func countsReportedTokensAndPassesTheBrief() async throws {
        let dir = try workspace()
        let script = """
            test -f "$ENPIRE_BRIEF" || exit 3
            grep -q 'frozen' "$1" || exit 4
            echo "trial budget $ENPIRE_TRIAL_BUDGET"
            echo "ENPIRE_TOKENS 1200"
            echo '{"type":"result","usage":{"input_tokens":300,"output_tokens":45}}'
            echo "ENPIRE_TOKENS=55"
            """
        let runner = AgentRunner(command: ["/bin/sh", "-c", script, "agent", "{brief}"], workingDirectory: dir,
                                 budget: AgentBudget(wallSeconds: 30, trials: 7, tokens: 10_000))
        let report = try await runner.run(brief: "# Brief\nThe reward is frozen.")
        #expect(report.ending == .exited)
        #expect(report.exitStatus == 0)
        #expect(report.tokens == 1600)
        #expect(report.outputTail.contains("trial budget 7"))
    }

    @Test func stopsAnAgentThatOutlivesItsWallBudget() async throws {
        let runner = AgentRunner(command: ["/bin/sh", "-c", "echo started; sleep 30"], workingDirectory: try workspace(),
                                 budget: AgentBudget(wallSeconds: 0.5, trials: 1, tokens: 100))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .wallBudgetExhausted)
        // Left alone the agent would run 30 s. (The kill itself comes at 0.5 s from the runner's own thread; the
        // report can still be late when parallel tests keep Swift's cooperative threads busy, hence the bound.)
        #expect(report.wallSeconds < 25)
    }

    @Test func stopsAnAgentThatSpendsTooManyTokens() async throws {
        let script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo ENPIRE_TOKENS 400; sleep 0.05; done; sleep 30"
        let runner = AgentRunner(command: ["/bin/sh", "-c", script], workingDirectory: try workspace(),
                                 budget: AgentBudget(wallSeconds: 20, trials: 1, tokens: 1000))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .tokenBudgetExhausted)
        #expect(report.tokens > 1000 && report.tokens <= 1600)
    }

    @Test func missingExecutableIsAClearError() async throws {
        let runner = AgentRunner(command: ["/nonexistent/agent"], workingDirectory: try workspace(),
                                 budget: AgentBudget(wallSeconds: 1, trials: 1, tokens: 1))
        await #expect(throws: AgentRunnerError.self) { _ = try await runner.run(brief: "b") }
    }

    @Test func tokenMeterIgnoresNoise() {
        var meter = TokenMeter()
        for line in ["hello", "ENPIRE_TOKENS -5", "{not json tokens", "{\"usage\": {\"prompt_tokens\": 10, \"completion_tokens\": 2}}"] {
            meter.consume(line: line)
        }
        #expect(meter.total == 12)
        #expect(meter.reports == 1)
    }
}
