import Enpire
import Foundation
import Testing

@Suite("External agent runner")
struct AgentRunnerTests {
    static func workspace() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func countsReportedTokensAndPassesTheBrief() async throws {
        let dir = try Self.workspace()
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
        let runner = AgentRunner(command: ["/bin/sh", "-c", "echo started; sleep 30"], workingDirectory: try Self.workspace(),
                                 budget: AgentBudget(wallSeconds: 0.5, trials: 1, tokens: 100))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .wallBudgetExhausted)
        // Left alone the agent would run 30 s. (The kill itself comes at 0.5 s from the runner's own thread; the
        // report can still be late when parallel tests keep Swift's cooperative threads busy, hence the bound.)
        #expect(report.wallSeconds < 25)
    }

    @Test func stopsAnAgentThatSpendsTooManyTokens() async throws {
        let script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo ENPIRE_TOKENS 400; sleep 0.05; done; sleep 30"
        let runner = AgentRunner(command: ["/bin/sh", "-c", script], workingDirectory: try Self.workspace(),
                                 budget: AgentBudget(wallSeconds: 20, trials: 1, tokens: 1000))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .tokenBudgetExhausted)
        #expect(report.tokens > 1000 && report.tokens <= 1600)
    }

    @Test func missingExecutableIsAClearError() async throws {
        let runner = AgentRunner(command: ["/nonexistent/agent"], workingDirectory: try Self.workspace(),
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

/// Issue 17, class 4: the runner's budgets cannot be escaped.
@Suite("External agent runner: budget escapes")
struct AgentRunnerBudgetTests {
    private func folder() throws -> URL { try AgentRunnerTests.workspace() }

    @Test("a huge usage value saturates the token meter instead of trapping")
    func tokenMeterSaturates() {
        var meter = TokenMeter()
        meter.consume(line: "{\"usage\": {\"input_tokens\": 9223372036854775807, \"output_tokens\": 9223372036854775807}}")
        #expect(meter.total == Int.max)
        meter.consume(line: "ENPIRE_TOKENS 5")
        #expect(meter.total == Int.max)
        var other = TokenMeter()
        other.consume(line: "{\"usage\": {\"input_tokens\": 1e300}}")
        other.consume(line: "ENPIRE_TOKENS 99999999999999999999999999")
        #expect(other.total == Int.max && other.reports == 2)
    }

    @Test("an agent reporting a huge usage value is stopped for its token budget")
    func hugeUsageStopsTheAgent() async throws {
        let script = "echo '{\"usage\": {\"input_tokens\": 9223372036854775807, \"output_tokens\": 9223372036854775807}}'; sleep 30"
        let runner = AgentRunner(command: ["/bin/sh", "-c", script], workingDirectory: try folder(),
                                 budget: AgentBudget(wallSeconds: 20, trials: 1, tokens: 1000))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .tokenBudgetExhausted)
        #expect(report.tokens == Int.max)
    }

    @Test("non-finite, negative or huge wall budgets are refused before the agent starts",
          arguments: [Double.nan, .infinity, -1, 0, 1e19])
    func badWallBudgetsAreRefused(seconds: Double) async throws {
        let marker = try folder().appendingPathComponent("started")
        let runner = AgentRunner(command: ["/bin/sh", "-c", "touch '\(marker.path)'"], workingDirectory: try folder(),
                                 budget: AgentBudget(wallSeconds: seconds, trials: 1, tokens: 1))
        await #expect(throws: AgentBudgetError.self) { _ = try await runner.run(brief: "b") }
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }

    @Test("when the agent exits, what it left running in its process group is stopped")
    func leftoverChildrenAreStopped() async throws {
        let dir = try folder()
        let script = "sleep 30 & echo $! > '\(dir.path)/child'; exit 0"
        let runner = AgentRunner(command: ["/bin/sh", "-c", script], workingDirectory: dir,
                                 budget: AgentBudget(wallSeconds: 60, trials: 1, tokens: 1))
        let report = try await runner.run(brief: "b")
        #expect(report.ending == .exited)
        #expect(report.wallSeconds < 20, "the runner waited for the agent's leftover child")
        let pid = try String(contentsOf: dir.appendingPathComponent("child"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        usleep(200_000)
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "child \(pid) still running: \(stat)")
    }

    @Test("cancelling the waiting task stops the agent")
    func cancellationStopsTheAgent() async throws {
        let runner = AgentRunner(command: ["/bin/sh", "-c", "sleep 30"], workingDirectory: try folder(),
                                 budget: AgentBudget(wallSeconds: 60, trials: 1, tokens: 1))
        let task = Task { try await runner.run(brief: "b") }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        let report = try await task.value
        #expect(report.ending == .cancelled)
        #expect(report.wallSeconds < 20)
    }
}
