import ArgumentParser
@testable import EnpireCommands
import Enpire
import EnpireResearch
import EnpireReward
import Foundation
import Synchronization
import Testing

/// The commands parse in-process (the library target's own tests; the binary's behaviour is tested in
/// EnpireTests by running it).
@Suite("enpire command parsing")
struct CommandParsingTests {
    @Test("--task resolves registered names and aliases through the registry; unknown names are usage errors")
    func taskNames() throws {
        #expect(TaskName(argument: "pusht")?.task.name == "pusht")
        #expect(TaskName(argument: "pin-insertion")?.task.name == "pin")
        #expect(TaskName(argument: "zip-tie")?.task.name == "ziptie")
        #expect(TaskName(argument: "cartpole") == nil)
        #expect(Set(TaskName.allValueStrings).isSuperset(of: ["pusht", "pin", "ziptie"]))
        let main = try EnpireCommand.parseAsRoot(["main", "--task", "pin", "--held-out", "20"])
        #expect((main as? MainCommand)?.task.task.name == "pin")
        #expect(throws: (any Error).self) { try EnpireCommand.parseAsRoot(["main", "--task", "cartpole"]) }
        let initialise = try EnpireCommand.parseAsRoot(["init", "--workspace", "ws", "--task", "ziptie"])
        #expect((initialise as? InitCommand)?.task.task.name == "ziptie")
    }

    @Test("NAME=VALUE assignments: parsed, numbers checked, repeats refused")
    func assignments() throws {
        let pair = try #require(Assignment(argument: "gain=0.5"))
        #expect(pair.name == "gain" && pair.value == "0.5")
        #expect(try pair.number() == 0.5)
        #expect(Assignment(argument: "gain") == nil)
        #expect(Assignment(argument: "=3") == nil)
        #expect(throws: (any Error).self) { try Assignment(argument: "gain=fast")?.number() }
        #expect(throws: (any Error).self) {
            try Assignment.dictionary([Assignment(argument: "a=1")!, Assignment(argument: "a=2")!])
        }
        let trial = try EnpireCommand.parseAsRoot(["trial", "--workspace", "ws", "--set", "angleWeight=100",
                                                   "--set", "stepPenalty=0.1", "--hypothesis", "h"])
        #expect((trial as? TrialCommand)?.assignments.map(\.name) == ["angleWeight", "stepPenalty"])
    }

    @Test("learn and policy eval accept the registered task names and aliases")
    func learnableNames() throws {
        #expect(try learnableTask(named: "pin").name == "pin-insertion")
        #expect(try learnableTask(named: "pin-insertion").name == "pin-insertion")
        #expect(try learnableTask(named: "zip-tie").name == "ziptie")
        #expect(try learnableTask(named: "pusht").name == "pusht")
        #expect(throws: (any Error).self) { try learnableTask(named: "cartpole") }
    }

    @Test("--help and help SUBCOMMAND print the help, not an error (the built-in help command's error passes through)")
    func helpRequests() async throws {
        for arguments in [["--help"], ["main", "--help"], ["help", "tasks"]] {
            let command = try await EnpireCommand.asyncParseAsRoot(arguments)
            var thrown: (any Error)?
            do {
                var runnable = command
                try runnable.run()
            } catch { thrown = error }
            let error = try #require(thrown, "\(arguments): the help command should end by throwing its request")
            let message = EnpireCommand.fullMessage(for: CommandFailure.presentable(error))
            #expect(message.contains("OVERVIEW:"), "\(arguments): \(message.prefix(120))")
            #expect(EnpireCommand.exitCode(for: CommandFailure.presentable(error)) == .success)
        }
    }

    @Test("learn refuses station-rl-only options for another task or paradigm, and out-of-range values, before learning")
    func stationRLOptions() async throws {
        let cases: [([String], String)] = [
            (["--task", "pin", "--paradigm", "bc", "--clip-ratio", "0.2"], "--clip-ratio applies to `--task pusht --paradigm station-rl` only"),
            (["--task", "pusht", "--paradigm", "dagger", "--policy-epochs", "4"], "--policy-epochs applies to `--task pusht --paradigm station-rl` only"),
            (["--task", "pusht", "--paradigm", "bc", "--record", "store"], "--record applies to `--task pusht --paradigm station-rl` only"),
            (["--task", "pusht", "--paradigm", "station-rl", "--clip-ratio", "1.5"], "--clip-ratio must be in (0, 1), e.g. 0.2; got 1.5"),
            (["--task", "pusht", "--paradigm", "station-rl", "--policy-epochs", "0"], "--policy-epochs must be in 1...1000; got 0"),
        ]
        for (arguments, message) in cases {
            let parsed = try await EnpireCommand.asyncParseAsRoot(["learn", "--output", "unused"] + arguments)
            let command = try #require(parsed as? LearnCommand)
            do {
                try await command.run()
                Issue.record("\(arguments): accepted")
            } catch let error as ValidationError {
                #expect(error.message == message, "\(arguments)")
            }
        }
    }

    @Test("learn and policy eval share --task/--observe/--workers; agent and mcp share the budget; keep and revert the trial id")
    func optionGroups() throws {
        let learn = try #require(try EnpireCommand.parseAsRoot(
            ["learn", "--task", "pin", "--output", "out", "--observe", "state", "--workers", "3"]) as? LearnCommand)
        #expect(learn.taskOptions.task == "pin" && learn.taskOptions.workers == 3)
        #expect(try learn.taskOptions.observationMode() == .state)
        let eval = try #require(try EnpireCommand.parseAsRoot(
            ["policy", "eval", "--task", "ziptie", "--policy", "p", "--episodes", "5"]) as? PolicyCommand.Eval)
        #expect(eval.taskOptions.task == "ziptie" && eval.taskOptions.workers == 2 && eval.episodes == 5)
        #expect(try eval.taskOptions.observationMode() == .camera)
        let badObserve = try #require(try EnpireCommand.parseAsRoot(
            ["policy", "eval", "--task", "pin", "--policy", "p", "--observe", "pixels"]) as? PolicyCommand.Eval)
        #expect(throws: ValidationError.self) { try badObserve.taskOptions.observationMode() }

        let mcp = try #require(try EnpireCommand.parseAsRoot(
            ["mcp", "--workspace", "ws", "--operator", "op", "--trials", "4", "--wall-seconds", "60"]) as? MCPCommand)
        #expect(mcp.location.operatorFolder == "op" && mcp.budget.value.trials == 4 && mcp.budget.value.wallSeconds == 60)
        let agent = try #require(try EnpireCommand.parseAsRoot(
            ["agent", "--workspace", "ws", "--tokens", "99", "--", "true"]) as? AgentCommand)
        #expect(agent.budgetOptions.value.tokens == 99 && agent.budgetOptions.value.trials == 10)
        for command in ["agent", "mcp"] {
            #expect(throws: (any Error).self) { try EnpireCommand.parseAsRoot([command, "--workspace", "ws", "--wall-seconds", "nan"]) }
        }

        let keep = try #require(try EnpireCommand.parseAsRoot(["keep", "--workspace", "ws", "t-1", "--tokens", "7", "--json"]) as? DecideCommand)
        #expect(keep.decision.id == "t-1" && keep.decision.tokens == 7 && keep.decision.options.json)
        let revert = try #require(try EnpireCommand.parseAsRoot(["revert", "--workspace", "ws", "t-2"]) as? RevertCommand)
        #expect(revert.decision.id == "t-2" && revert.decision.tokens == 0 && !revert.decision.options.json)
    }
}

@Suite("--unsandboxed-policy: the operator's choice")
struct PolicyIsolationOptionTests {
    @Test("train-classifier parses --pooling and --symmetries and refuses an unknown pooling before training")
    func classifierOptions() throws {
        let train = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "train-classifier", "--task", "ziptie", "--clips", "c", "--output", "m", "--pooling", "globalMax",
             "--symmetries"]) as? RewardCommand.TrainClassifier)
        #expect(train.pooling == "globalMax" && train.symmetries && train.framesPerClip == 8)
        let plain = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "train-classifier", "--task", "pusht", "--clips", "c", "--output", "m"]) as? RewardCommand.TrainClassifier)
        #expect(plain.pooling == "spatialSoftmax" && !plain.symmetries)
        #expect(throws: (any Error).self) {
            try EnpireCommand.parseAsRoot(["reward", "train-classifier", "--task", "pusht", "--clips", "c", "--output", "m",
                                           "--pooling", "median"])
        }
        // --labels: ground truth by default, camera on request, nothing else.
        #expect(plain.labels == .groundTruth)
        let camera = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "train-classifier", "--task", "ziptie", "--clips", "c", "--output", "m", "--labels", "camera"])
            as? RewardCommand.TrainClassifier)
        #expect(camera.labels == .camera)
        #expect(throws: (any Error).self) {
            try EnpireCommand.parseAsRoot(["reward", "train-classifier", "--task", "pin", "--clips", "c", "--output", "m",
                                           "--labels", "force"])
        }
        // --refit needs folds to calibrate on.
        let refit = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "train-classifier", "--task", "ziptie", "--clips", "c", "--output", "m", "--folds", "5", "--refit"])
            as? RewardCommand.TrainClassifier)
        #expect(refit.refit && refit.folds == 5 && !plain.refit)
        #expect(refit.distillation == 0)
        #expect(throws: (any Error).self) {
            try EnpireCommand.parseAsRoot(["reward", "train-classifier", "--task", "ziptie", "--clips", "c", "--output", "m",
                                           "--folds", "5", "--distillation", "0.5"])
        }
        #expect(throws: (any Error).self) {
            try EnpireCommand.parseAsRoot(["reward", "train-classifier", "--task", "ziptie", "--clips", "c", "--output", "m",
                                           "--refit"])
        }
        // Default crops: zip-tie's top camera gets the square that holds the cut mark; its oblique camera, and a
        // lab's own task, the whole frame; an explicit crop or 'full' wins.
        typealias Train = RewardCommand.TrainClassifier
        #expect(try Train.region(nil, task: "ziptie", camera: "top") == RegionOfInterest(x: 140, y: 90, width: 320, height: 320))
        #expect(try Train.region(nil, task: "ziptie", camera: "oblique") == nil)
        #expect(try Train.region(nil, task: "mylab", camera: "top") == nil)
        #expect(try Train.region("full", task: "ziptie", camera: "top") == nil)
        #expect(try Train.region("1,2,3,4", task: "ziptie", camera: "top") == RegionOfInterest(x: 1, y: 2, width: 3, height: 4))
    }

    @Test("classifier-study --scores writes one row per episode with P(success) and the arm's vote")
    func classifierStudyScores() throws {
        typealias Study = RewardCommand.ClassifierStudy
        let study = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "classifier-study", "--task", "ziptie", "--model", "m", "--scores", "s.csv"]) as? Study)
        #expect(study.scores == "s.csv")
        let classifier = Verdict(success: true, score: 0.875, status: .confirmedPass,
                                 votes: [Vote(source: "classifier:top", success: true, score: 0.875)])
        let analyser = Verdict(success: false, score: 0, status: .likelyFail,
                               votes: [Vote(source: "cut", success: true, score: 1), Vote(source: "tension", success: false, score: 0)])
        let outcomes = [
            Study.Outcome(seed: 7, kind: "slack", truth: false, cameraVisible: true, truthDetail: "", classifier: classifier,
                          analyser: analyser),
            Study.Outcome(seed: 8, kind: "nominal", truth: true, cameraVisible: true, truthDetail: "", classifier: classifier,
                          analyser: nil),
        ]
        #expect(Study.scoresCSV(outcomes) == """
            seed,kind,truth,camera_visible,p_success,arm_vote
            7,slack,false,true,0.875,fail
            8,nominal,true,true,0.875,

            """)
    }

    @Test("trial, eval, mcp and agent take --unsandboxed-policy; the runner refuses it from an agent and adds its own")
    func runnerDecides() async throws {
        for command in [["trial", "--hypothesis", "h"], ["eval"], ["mcp"], ["agent", "--", "true"]] {
            let parsed = try EnpireCommand.parseAsRoot([command[0], "--workspace", "ws", "--unsandboxed-policy"] + command.dropFirst())
            let isolation = (parsed as? TrialCommand)?.isolation ?? (parsed as? EvalCommand)?.isolation
                ?? (parsed as? MCPCommand)?.isolation ?? (parsed as? AgentCommand)?.isolation
            #expect(isolation?.unsandboxedPolicy == true, "\(command[0])")
        }
        #expect(throws: (any Error).self) { try EnpireCommand.parseAsRoot(["keep", "--workspace", "ws", "t-1", "--unsandboxed-policy"]) }
        // `/bin/echo` stands in for `enpire`: its output is the command line the runner would run.
        let echo = URL(fileURLWithPath: "/bin/echo")
        for sent in [["trial", "--hypothesis", "h", "--unsandboxed-policy"], ["eval", "--unsandboxed-policy"]] {
            let refused = await AgentCommand.serve(AgentBrokerRequest(arguments: sent), executable: echo, workspace: "/ws",
                                                   operatorFolder: "/op", unsandboxedPolicy: true)
            #expect(refused.status == 64 && refused.standardError.contains("operator's choice"), "\(refused)")
        }
        let chosen = await AgentCommand.serve(AgentBrokerRequest(arguments: ["trial", "--hypothesis", "h"]), executable: echo,
                                              workspace: "/ws", operatorFolder: "/op", unsandboxedPolicy: true)
        #expect(chosen.status == 0 && chosen.standardOutput.contains("--operator /op --unsandboxed-policy"), "\(chosen)")
        let keep = await AgentCommand.serve(AgentBrokerRequest(arguments: ["keep", "t-1"]), executable: echo,
                                            workspace: "/ws", operatorFolder: "/op", unsandboxedPolicy: true)
        #expect(keep.status == 0 && !keep.standardOutput.contains("unsandboxed"), "\(keep)")
        let sandboxed = await AgentCommand.serve(AgentBrokerRequest(arguments: ["trial", "--hypothesis", "h"]), executable: echo,
                                                 workspace: "/ws", operatorFolder: "/op")
        #expect(!sandboxed.standardOutput.contains("unsandboxed"), "\(sandboxed)")
    }
}

@Suite("Progress output")
struct ProgressOutputTests {
    @Test("a progress event as NDJSON carries phase, done, total and the ETA; as a bar it fills by done/total")
    func eventFormats() throws {
        let event = ProgressEvent(phase: "export", label: "pusht", done: 3, total: 12, etaSeconds: 65)
        let line = ProgressOutput.json(event, start: Date())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["event"] as? String == "progress")
        #expect(object["phase"] as? String == "export")
        #expect(object["label"] as? String == "pusht")
        #expect(object["done"] as? Int == 3)
        #expect(object["total"] as? Int == 12)
        #expect(object["eta_seconds"] as? Double == 65)
        #expect(!line.contains("\n"))
        #expect(ProgressOutput.bar(event, width: 8) == "export pusht [##......] 3/12  ETA 1 min 5 s")
    }

    @Test("a ticker shared by threads reports every total once, ending at the count of ticks")
    func ticker() {
        let seen = Mutex<[Int]>([])
        let ticker = ProgressTicker { done in seen.withLock { $0.append(done) } }
        DispatchQueue.concurrentPerform(iterations: 100) { _ in ticker.tick() }
        #expect(seen.withLock { $0.sorted() } == Array(1...100))
    }

    @Test("learn, the studies, trial and dataset export take --progress json")
    func progressOption() throws {
        #expect(try LearnCommand.parse(["--task", "pusht", "--output", "x", "--progress", "json"]).progress == .json)
        #expect(try StudyCommand.Scaling.parse(["--progress", "json"]).progress == .json)
        #expect(try RewardCommand.Study.parse(["--progress", "json"]).progress == .json)
        #expect(try VerifierCommand.Study.parse(["--task", "pin", "--progress", "json"]).progress == .json)
        #expect(try TrialCommand.parse(["--workspace", "w", "--hypothesis", "h", "--progress", "json"]).progress == .json)
        #expect(try DatasetCommand.Export.parse(["--store", "s", "--output", "o", "--progress", "json"]).converter.progress == .json)
        #expect(throws: (any Error).self) { try LearnCommand.parse(["--task", "pusht", "--output", "x", "--progress", "xml"]) }
    }
}

@Suite("--initial-recipe")
struct InitialRecipeTests {
    @Test("the clean-tuned Push-T recipe shipped in Docs/data loads as a Push-T starting recipe; a pin task refuses it")
    func shippedTunedRecipeLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/data/pusht-clean-tuned-recipe.json").path
        let pushT = try #require(TaskName(argument: "pusht")).task
        let recipe = try MainCommand.earlierRecipe(path, task: pushT)
        #expect(recipe.family == "pusht.planner")
        #expect(recipe.parameters["contactsPerEdge"] == 1 && recipe.parameters["pushDistanceCount"] == 6)
        #expect(recipe.parameters["targetCoverage"] == 0.9505 && recipe.parameters.count == 8)
        let pin = try #require(TaskName(argument: "pin")).task
        #expect(throws: (any Error).self) { try MainCommand.earlierRecipe(path, task: pin) }
    }
}
