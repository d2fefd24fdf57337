import ArgumentParser
import Enpire
import EnpireTasks
import Foundation

extension StudyCommand {
    /// Human interventions on the simulated Push-T station: a weak policy, a scripted person, DAgger on the
    /// person's steps, held-out success before and after.
    struct Interventions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Held-out Push-T success of a weak policy before and after DAgger on a scripted person's interventions.",
            discussion: """
                The weak policy is the primitive selector trained on a few teacher episodes; the scripted person \
                (privileged: the planner) takes over when coverage stalls, its steps are recorded with source \
                `human`, labelled in the policy's primitives and aggregated; the policy is retrained on the \
                aggregate each round. The policy reads the exact state (privileged). See Docs/LearnedPolicies.md.
                """)
        @Option(help: "Teacher episodes for the weak policy.") var demonstrations = 6
        @Option(help: "Intervention rounds.") var rounds = 2
        @Option(help: "Station episodes per round.") var episodesPerRound = 40
        @Option(help: "First held-out seed.") var firstHeldOutSeed: UInt64 = 6_000_000
        @Option(help: "Held-out episodes.") var heldOutEpisodes = 200
        @Option(help: "Steps without coverage progress before the person takes over.") var stallSteps = 25
        @Option(help: "Times each intervention decision is repeated in the training set.") var interventionWeight = 1
        @Option(help: "Worker threads.") var workers = 2
        @Flag(help: "Skip the control (behaviour cloning on as many teacher decisions, no interventions).")
        var noTeacherControl = false
        @Option(help: "Write the result as JSON here.") var output: String?

        func validate() throws {
            try OptionLimits.check(demonstrations, 0...10_000, "--demonstrations")
            try OptionLimits.check(rounds, 0...100, "--rounds")
            try OptionLimits.check(episodesPerRound, 1...100_000, "--episodes-per-round")
            try OptionLimits.check(heldOutEpisodes, 0...1_000_000, "--held-out-episodes")
            try OptionLimits.check(workers, 1...64, "--workers")
        }

        func run() async throws {
            var configuration = PushTInterventionStudy.Configuration()
            configuration.demonstrations = demonstrations
            configuration.rounds = rounds
            configuration.episodesPerRound = episodesPerRound
            configuration.heldOutFirstSeed = firstHeldOutSeed
            configuration.heldOutEpisodes = heldOutEpisodes
            configuration.stallSteps = stallSteps
            configuration.interventionWeight = interventionWeight
            configuration.learner.workers = workers
            configuration.teacherControl = !noTeacherControl
            let commandOutput = CommandOutput.current
            let result = try await PushTInterventionStudy(configuration: configuration).run { line in
                commandOutput.standardError(Data("\(line)\n".utf8))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(result)
            if let output {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            }
            CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        }
    }
}
