import ArgumentParser
import Enpire
import EnpireSim
import Foundation

/// `enpire sim reset-study`: how reliably and how fast the pusher puts the Push-T scene back on its own.
struct ResetStudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-study",
        abstract: "Measure the robot-driven Push-T reset on random, expert and jammed end states; print JSON.",
        discussion: """
            Each case drives a fresh simulated world into an end state (40 % random-action episodes of 10-300 \
            steps, 30 % partial expert episodes of 20-200 steps, 30 % T shoved against a wall or into a corner), \
            then a Station runs PushTRobotReset for a seeded gym-pusht start. Times are simulated robot seconds.
            """)

    @Option(help: "Number of cases.") var cases = 500
    @Option(help: "Seed of the first case.") var firstSeed: UInt64 = 0
    @Option(help: "Cases run at once.") var workers = 2
    @Option(help: "Block position tolerance in pixels.") var blockPixels = 10.0
    @Option(help: "Block angle tolerance in radians.") var blockRadians = 0.1
    @Option(help: "Agent position tolerance in pixels.") var agentPixels = 10.0
    @Option(help: "Robot seconds allowed per reset.") var budget = 180.0
    @Flag(help: "Include every case in the output.") var perCase = false

    func run() async throws {
        guard cases > 0, workers > 0, budget > 0 else {
            throw ValidationError("--cases, --workers and --budget must be positive")
        }
        let started = Date()
        let tolerance = PushTResetTolerance(blockPositionPixels: blockPixels, blockAngleRadians: blockRadians,
                                            agentPositionPixels: agentPixels)
        let report = try await PushTResetStudy.run(cases: cases, firstSeed: firstSeed, workers: workers,
                                                   tolerance: tolerance, timeBudgetSeconds: budget)
        func encode(_ value: some Encodable) throws -> Any {
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
        }
        var byScenario: [String: [String: Int]] = [:]
        for item in report.cases {
            byScenario[item.scenario.rawValue, default: ["cases": 0, "verified": 0]]["cases", default: 0] += 1
            if item.verified { byScenario[item.scenario.rawValue, default: [:]]["verified", default: 0] += 1 }
        }
        var attempts: [String: Int] = [:]
        for item in report.cases { attempts["\(item.attempts)", default: 0] += 1 }
        var output: [String: Any] = [
            "cases": report.cases.count, "verified": report.verified, "verified_rate": report.verifiedRate,
            "median_reset_seconds": report.secondsQuantile(0.5), "p95_reset_seconds": report.secondsQuantile(0.95),
            "max_reset_seconds": report.secondsQuantile(1), "by_scenario": byScenario, "attempts_histogram": attempts,
            "every_failure_has_reason_and_paused_station": report.everyFailureExplained,
            "agent_target_adjusted_cases": report.cases.filter { $0.agentAdjustmentPixels > 0 }.count,
            "failures": try encode(report.cases.filter { !$0.verified }),
            "tolerance": try encode(tolerance), "budget_seconds": budget, "first_seed": firstSeed,
            "wall_seconds": Date().timeIntervalSince(started),
        ]
        if perCase { output["per_case"] = try encode(report.cases) }
        let data = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: data, as: UTF8.self))
    }
}
