import ArgumentParser
import Enpire

/// The `enpire` command: drive a station from a shell or a coding agent.
@main
struct EnpireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enpire",
        abstract: "Train a robot station on its own: reset, act safely, judge, learn, evaluate, share.",
        subcommands: [MainCommand.self, InitCommand.self, StatusCommand.self, TrialCommand.self, DecideCommand.self,
                      RevertCommand.self, LedgerCommand.self, EvalCommand.self, FleetCommand.self, AgentCommand.self,
                      StudyCommand.self, SimCommand.self, RewardCommand.self, DebugCommand.self, VerifierCommand.self, LearnCommand.self, PolicyCommand.self])
}
