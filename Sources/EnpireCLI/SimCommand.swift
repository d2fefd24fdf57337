import ArgumentParser
import EnpireSim
import Foundation

/// `enpire sim ...`: the simulated stations.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulated stations: replay gym-pusht cases, draw start states, evaluate the scripted expert.",
        subcommands: [Replay.self, StartStates.self])

    /// `enpire sim replay`: step the simulator through recorded cases, in gym-pusht's coordinates.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay cases {initial_state, actions} and print per-step agent, block, coverage, reward, success.",
            discussion: """
                Input: a JSON array of {"initial_state": [agent_x, agent_y, block_x, block_y, block_angle], \
                "actions": [[x, y], ...]} with gym-pusht's meaning (initial_state as its reset_to_state option, \
                including the legacy centre-of-gravity placement). Output: one array per case of \
                {"agent": [x, y], "block": [x, y, angle], "coverage": c, "reward": r, "success": b} per control step.
                """)

        @Option(help: "Task to simulate (only `pusht` so far).") var task = "pusht"
        @Option(help: "Path of the cases JSON file (`-` for standard input).") var input: String
        @Option(help: "Where to write the trajectories (default: standard output).") var output: String?

        func run() throws {
            guard task == "pusht" else {
                throw ValidationError("unknown task '\(task)'; available: pusht")
            }
            let data: Data
            do {
                data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                    : try Data(contentsOf: URL(fileURLWithPath: input))
            } catch {
                throw ValidationError("cannot read --input \(input): \(error.localizedDescription)")
            }
            let cases = try PushTReplay.decodeCases(data)
            let result = try PushTReplay.run(cases)
            let encoded = try PushTReplay.encode(result)
            if let output {
                try encoded.write(to: URL(fileURLWithPath: output), options: .atomic)
            } else {
                FileHandle.standardOutput.write(encoded)
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
        }
    }

    /// `enpire sim start-states`: the start states gym-pusht draws for given seeds.
    struct StartStates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start-states",
            abstract: "Print the Push-T start state gym-pusht 0.1.8 draws for each seed (numpy default_rng).")

        @Argument(help: "Seeds.") var seeds: [UInt64]

        func run() throws {
            let rows = seeds.map { PushTSimulation.startState(seed: $0) }
            let data = try JSONSerialization.data(withJSONObject: rows)
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
