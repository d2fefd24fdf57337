public import ArgumentParser
import Enpire
import EnpireReward
import EnpireSim
import EnpireResearch
import EnpireTasks
import Foundation

/// `enpire sim ...`: the simulated stations.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulated stations: replay gym-pusht cases, draw start states, evaluate the scripted expert.",
        subcommands: [Replay.self, StartStates.self, Sheet.self, ResetStudy.self, Expert.self])

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
            let limit = PushTReplay.maximumInputBytes
            let data: Data
            if input == "-" {
                // One byte past the limit is enough to refuse an oversized input without reading it whole.
                data = try FileHandle.standardInput.read(upToCount: limit + 1) ?? Data()
            } else {
                data = try SafeFile.read(URL(fileURLWithPath: input), limit: limit)
            }
            let cases = try PushTReplay.decodeCases(data)
            let result = try PushTReplay.run(cases)
            let encoded = try PushTReplay.encode(result)
            if let output {
                try writeOutput(encoded, to: output)
            } else {
                CommandOutput.current.standardOutput(encoded)
                CommandOutput.current.standardOutput(Data("\n".utf8))
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
            CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        }
    }

    /// `enpire sim expert`: success rate of the scripted Push-T expert on seeded starts.
    struct Expert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a task's scripted expert (its recipe's policy) on seeded starts and print its success rate as JSON.",
            discussion: """
                Push-T (the default) runs the heuristic planner headless on gym-pusht starts, or through evaluator \
                stations with --camera-reward, --robot-reset or --observe. Any other --task runs its baseline recipe, \
                with --param overrides, through the task's evaluator stations (its camera verifier judges; success \
                counts the simulator's rule). Parameters can be overridden with --param name=value (`enpire tasks` \
                lists them).
                """)

        @Option(help: TaskName.help) var task = TaskName(PushTResearchTask())

        @Option(help: "Number of episodes (consecutive seeds).") var seeds = 200
        @Option(help: "First seed.") var firstSeed: UInt64 = 1_000_000
        @Option(help: "Control steps per episode.") var maxSteps = 300
        @Option(help: "Worker threads.") var workers = 2
        @Option(help: "Planner parameter override name=value (repeatable).") var param: [String] = []
        @Flag(help: """
            Score through evaluator stations judged by their camera (the Push-T camera reward calibrated from 50 \
            labelled clips) as `enpire main --camera-reward` scores held-out seeds; success still counts gym-pusht's rule.
            """)
        var cameraReward = false
        @Flag(help: "Score through evaluator stations whose pusher resets the scene itself (verified) before every episode.")
        var robotReset = false
        @Option(help: """
            What the planner reads, through evaluator stations: `camera` (block pose measured in a noisy 640x480 \
            camera frame, pusher state from the arm) or `state` (the simulator's exact state). Either way it plans with \
            the simulator as its model (an oracle). Omit for the headless ground-truth run.
            """)
        var observe: ObservationMode?
        @Option(name: .customLong("reality"), help: RealityOption.help) var realityArgument: String?
        @Flag(help: """
            Privileged upper bound (headless Push-T only): the planner plans with each episode's true departures \
            from gym-pusht and the pusher controller's true hidden state, as no real station could.
            """)
        var plannerKnowsReality = false

        func validate() throws {
            try OptionLimits.check(seeds, 1...OptionLimits.episodes, "--seeds")
            try OptionLimits.check(maxSteps, 1...OptionLimits.steps, "--max-steps")
            try OptionLimits.check(workers, 1...OptionLimits.workers, "--workers")
        }

        func run() async throws {
            if plannerKnowsReality, task.task.name != "pusht" || observe != nil || cameraReward || robotReset {
                throw ValidationError("--planner-knows-reality runs the headless Push-T planner: drop --observe, --camera-reward and --robot-reset")
            }
            if task.task.name != "pusht" { try await runTask(task.task); return }
            let reality = try RealityOption.parse(realityArgument ?? "clean")
            let parameters = try plannerParameters(param)
            let seedList = (0..<UInt64(seeds)).map { firstSeed &+ $0 }
            let started = Date()
            if let observe {
                guard !cameraReward, !robotReset, maxSteps == PushTGeometry.maxEpisodeSteps else {
                    throw ValidationError("--observe runs its own evaluator stations: drop --camera-reward, --robot-reset and --max-steps")
                }
                let commandOutput = CommandOutput.current
                let summary = try await PushTPolicyEvaluation.evaluatePlanner(
                    parameters: parameters, mode: observe, firstSeed: firstSeed, episodes: seeds, workers: workers,
                    reality: reality
                ) { done, total in
                    if done % 50 == 0 || done == total {
                        commandOutput.standardError(Data("expert: \(done)/\(total)\n".utf8))
                    }
                }
                try printJSON(summary)
                return
            }
            if cameraReward || robotReset {
                guard reality.isClean else {
                    throw ValidationError("--reality runs headless or with --observe; drop --camera-reward and --robot-reset")
                }
                guard maxSteps == PushTGeometry.maxEpisodeSteps else {
                    throw ValidationError("--max-steps cannot change the station's step limit (\(PushTGeometry.maxEpisodeSteps)) with --camera-reward or --robot-reset")
                }
                try await runOnStations(parameters: parameters, seeds: seedList, started: started)
                return
            }
            let result = PushTExpertEvaluation.run(seeds: seedList, parameters: parameters, maxSteps: maxSteps,
                                                   workers: workers, reality: reality,
                                                   plannerKnowsReality: plannerKnowsReality)
            let interval = try WilsonInterval(successes: result.successes, trials: result.trials)
            let report: [String: Any] = [
                "task": "pusht", "policy": "pusht-heuristic-expert", "privileged": plannerKnowsReality
                    ? "oracle: reads the exact state, plans with the simulator given the episode's true departures (an upper bound)"
                    : parameters.identifyPusher == 1
                    ? "oracle: reads the exact state, plans with the simulator as its model (the pusher's latency, lag and gain identified online from its own commands and track)"
                    : "oracle: plans with the clean simulator as its model, reads the exact state",
                "reality": reality.name, "wilson_lower": interval.lower, "wilson_upper": interval.upper,
                "first_seed": firstSeed, "trials": result.trials,
                "successes": result.successes, "success_rate": result.successRate,
                "mean_steps_to_success": result.meanStepsToSuccess, "mean_final_coverage": result.meanFinalCoverage,
                "failed_seeds": result.failedSeeds, "max_steps": maxSteps, "parameters": parameters.recipe,
                "wall_seconds": Date().timeIntervalSince(started),
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        }

        /// Any other task: its baseline recipe with the overrides, through the task's evaluator stations.
        private func runTask(_ task: any ResearchTask) async throws {
            var task = task
            if let realityArgument, !(try RealityOption.isClean(realityArgument, task: task.name)) {
                do { task = try task.configured(["reality": realityArgument]) } catch { throw ValidationError("\(error)") }
            }
            guard !cameraReward, !robotReset, observe == nil, maxSteps == 300 else {
                throw ValidationError("--camera-reward, --robot-reset, --observe and --max-steps are Push-T options")
            }
            var parameters = task.baseline.parameters
            for item in param {
                guard let pair = Assignment(argument: item) else { throw ValidationError("--param expects name=number, got '\(item)'") }
                parameters[pair.name] = try pair.number()
            }
            let recipe = Recipe(family: task.baseline.family, parameters: parameters)
            let policy: any Policy
            do { policy = try task.policy(for: recipe) } catch { throw ValidationError("\(error)") }
            let started = Date()
            let output = ProgressFormat.text.output(since: started)
            let score = try await HeldOutScorer(task: task, workers: workers, output: nil,
                                                logger: output.logger(label: "enpire.sim.expert")).score(label: "expert", seeds: (0..<UInt64(seeds)).map { firstSeed &+ $0 }) { policy }
            var report: [String: Any] = [
                "task": task.name, "policy": recipe.description, "first_seed": firstSeed, "trials": score.trials,
                "successes": score.successes, "wilson_lower": score.wilsonLower, "wilson_upper": score.wilsonUpper,
                "mean_steps_to_success": score.meanStepsToSuccess, "robot_seconds": score.robotSeconds,
                "wall_seconds": Date().timeIntervalSince(started),
            ]
            if let privilege = task.privilege { report["privileged"] = privilege }
            report["reality"] = realityArgument ?? "clean"
            if let called = score.cameraSuccesses, let agreed = score.cameraAgreements {
                report["verifier_successes"] = called
                report["verifier_agreements"] = agreed
            }
            CommandOutput.current.line(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        }

        /// Scores the recipe the way the campaign's final scoring does: through stations, with their reset and
        /// judge (progress on standard error every 50 episodes).
        private func runOnStations(parameters: PushTPlannerParameters, seeds: [UInt64], started: Date) async throws {
            var model: PushTRewardModel?
            if cameraReward {
                model = try PushTRewardStudy(clips: 50).calibrate().model
            }
            let recipe = Recipe(family: PushTPlannerRecipes.family, parameters: parameters.recipe)
            let score = try await PushTCampaign.score(
                recipe: recipe, label: "expert", seeds: seeds, robotReset: robotReset, cameraReward: model,
                workers: workers, logger: ProgressFormat.text.output(since: started).logger(label: "enpire.sim.expert"))
            var report: [String: Any] = [
                "task": "pusht", "policy": "pusht-heuristic-expert", "first_seed": firstSeed, "trials": score.trials,
                "successes": score.successes, "success_rate": Double(score.successes) / Double(score.trials),
                "wilson_lower": score.wilsonLower, "wilson_upper": score.wilsonUpper,
                "mean_steps_to_success": score.meanStepsToSuccess, "robot_seconds": score.robotSeconds,
                "judged_by": cameraReward ? "camera" : "simulator", "reset": robotReset ? "robot" : "placed",
                "parameters": parameters.recipe, "wall_seconds": Date().timeIntervalSince(started),
            ]
            if let called = score.cameraSuccesses, let agreed = score.cameraAgreements {
                report["camera_successes"] = called
                report["camera_agreements"] = agreed
            }
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        }
    }

    /// `enpire sim sheet`: a PNG contact sheet of one expert episode.
    struct Sheet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render one expert episode as a PNG grid of frames (first to last).")
        @Option(help: "Seed of the gym-pusht start state.") var seed: UInt64 = 1_000_001
        @Option(help: "Frame size in pixels.") var tile = 192
        @Option(help: "Output PNG path.") var output: String

        func run() throws {
            guard (32...1024).contains(tile) else { throw ValidationError("--tile must be 32...1024") }
            let sheet = try PushTContactSheet.expertEpisode(seed: seed, tileSize: tile)
            try writeOutput(Data(PNGEncoder.encode(sheet.image, compression: .deflate)), to: output)
            CommandOutput.current.line("seed \(seed): \(sheet.success ? "success" : "failure") after \(sheet.steps) steps, coverage \(String(format: "%.4f", sheet.coverage)) -> \(output)")
        }
    }

    /// `enpire sim reset-study`: the robot-driven reset from many end states.
    struct ResetStudy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-study",
            abstract: "Reset Push-T with the pusher from random, scripted and jammed end states; print the figures as JSON.")
        @Option(help: "End states to reset from.") var cases = 500
        @Option(help: "Worker threads.") var workers = 2

        func validate() throws {
            try OptionLimits.check(cases, 1...OptionLimits.episodes, "--cases")
            try OptionLimits.check(workers, 1...OptionLimits.workers, "--workers")
        }

        func run() async throws {
            let commandOutput = CommandOutput.current
            let summary = try await PushTResetStudy.run(cases: cases, workers: workers) { item in
                if !item.verified || item.index % 50 == 0 {
                    commandOutput.standardError(Data("case \(item.index) \(item.kind.rawValue): \(item.verified ? "verified" : "FAILED") in \(String(format: "%.1f", item.seconds)) s\(item.reason.map { " (\($0))" } ?? "")\n".utf8))
                }
            }
            try printPrettyJSON(summary)
        }
    }
}

extension ObservationMode: ExpressibleByArgument {}

/// Planner settings from `--param name=value` items (`enpire sim expert`, `enpire learn --task pusht`).
func plannerParameters(_ items: [String]) throws -> PushTPlannerParameters {
    var recipe: [String: Double] = [:]
    for item in items {
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]) else {
            throw ValidationError("--param expects name=number, got '\(item)'")
        }
        recipe[parts[0]] = value
    }
    do { return try PushTPlannerParameters(recipe: recipe) } catch { throw ValidationError("--param: \(error)") }
}
