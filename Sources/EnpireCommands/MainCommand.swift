import ArgumentParser
import Enpire
import EnpireResearch
import EnpireTasks
import Foundation
import Logging

/// `enpire main`: a task's simulated fleet improving its recipe on its own (the research loop), then a report.
struct MainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "main",
        abstract: "Run the main job: a task's simulated fleet improving its policy on its own, then write a report.",
        discussion: """
            Any registered task runs the same campaign (research, fleet through Git, confirmation, held-out scoring, \
            report). Push-T adds two follow-ups on the same held-out seeds: a behaviour-cloned MLP and a learned \
            camera policy (DAgger primitive selector); the options for those, --robot-reset and --camera-reward \
            are Push-T's.
            """)

    @Option(help: TaskName.help) var task = TaskName(PushTResearchTask())
    @Option(name: .customLong("task-option"), help: ArgumentHelp("A task option NAME=VALUE (repeatable); `enpire tasks` lists each task's.", valueName: "name=value"))
    var taskOptions: [Assignment] = []

    @Option(help: "Simulated stations in the fleet.") var stations = 4
    @Option(help: "Research iterations per station (default: the task's research budget; 8 for Push-T and zip-tie, 12 for pin).")
    var iterations: Int?
    @Option(help: "Episodes per trial (development seeds).") var episodesPerTrial = 20
    @Option(help: "Held-out episodes for the final scores.") var heldOut = 500
    @Option(help: "Demonstrations for behaviour cloning (0 skips it).") var demonstrations = 60
    @Option(help: "Behaviour-cloning epochs.") var bcEpochs = 40
    @Option(help: "Actions predicted per observation by the behaviour-cloned network.") var bcChunk = 8
    @Option(help: "Seed of the researchers.") var seed: UInt64 = 1
    @Option(help: "Output folder (default: reports/main-<time>).") var output: String?
    @Option(help: ArgumentHelp("Continue an interrupted run in this output folder with the configuration it was started with (other sizing options are ignored).", valueName: "dir"))
    var resume: String?
    @Flag(help: "Research stations reset with the pusher itself (verified) instead of placing start states.")
    var robotReset = false
    @Flag(help: """
        Judge every station by its own 640x480 camera (Push-T camera reward calibrated from 50 labelled clips) \
        instead of the simulator's coverage; held-out scores still count gym-pusht's success.
        """)
    var cameraReward = false
    @Option(help: "Fresh development episodes per confirmation block after research; the better half of the leaders goes on after each block (0 skips).")
    var confirmationEpisodes = 100
    @Option(help: "How many of the best kept recipes (distinct, at most one per station) enter confirmation.")
    var confirmationCandidates = 4
    @Option(help: "Probability that a researcher samples the recipe space afresh instead of perturbing the best recipe so far (default: the task's; 0.15, 0.3 for pin).")
    var exploration: Double?
    @Option(help: "Start every station from the best recipe of an earlier run (its report.json) instead of the naive one.")
    var initialRecipe: String?
    @Flag(help: "Do not score the naive baseline recipe on the held-out seeds (halves the final scoring).")
    var noBaseline = false
    @Flag(help: "Skip the learned camera policy (DAgger primitive selector distilled from the best recipe).")
    var noLearned = false
    @Option(help: "DAgger rounds of the learned policy.") var learnedRounds = 5
    @Option(help: "Episodes collected per DAgger round of the learned policy.") var learnedEpisodes = 150
    @Option(help: RealityOption.help) var reality: String?
    @Option(help: ArgumentHelp("Push-T, pin, zip-tie: the reality of the evaluator stations only (default: --reality), a range the research stations never saw. Push-T: with either option the campaign runs without the behaviour-cloning follow-up, scores its best recipe (and any --reference recipe) under clean too, and (unless --no-learned) distils its best recipe into a learned camera selector trained in --reality, scored under the held-out reality and under clean (camera re-registered each episode, waiting for the pusher).", valueName: "name|file"))
    var heldOutReality: String?
    @Option(help: ArgumentHelp("Push-T with --reality: a reference recipe parameter NAME=VALUE (repeatable; for example the clean-tuned recipe), scored held out under clean and under the held-out reality beside the campaign's best.", valueName: "name=value"))
    var reference: [Assignment] = []
    @Option(help: ArgumentHelp("Serve a live fleet dashboard on this port of 127.0.0.1 while the job runs (0: a free port): stations, trials, ledger, frames and an e-stop per station. The address, with its e-stop token, goes to standard error; ENPIRE_DASHBOARD_TOKEN sets the token.", valueName: "port"))
    var dashboard: Int?
    @Flag(help: "Print the result as JSON on standard output.") var json = false
    @Option(help: ArgumentHelp("Progress on standard error: text lines, or json (one JSON object per line: log lines and progress events with an ETA).", valueName: "text|json"))
    var progress: ProgressFormat = .text

    func validate() throws {
        guard stations >= 1, stations <= 16 else { throw ValidationError("--stations must be 1...16, got \(stations)") }
        if let iterations { try OptionLimits.check(iterations, 1...OptionLimits.iterations, "--iterations") }
        for value in [reality, heldOutReality].compactMap({ $0 }) where resume == nil {
            _ = try RealityOption.isClean(value, task: task.task.name)
        }
        if !reference.isEmpty, reality == nil, heldOutReality == nil {
            throw ValidationError("--reference is scored beside a --reality campaign; add --reality or --held-out-reality")
        }
        guard episodesPerTrial >= 1, episodesPerTrial <= 400 else { throw ValidationError("--episodes-per-trial must be 1...400") }
        try OptionLimits.check(heldOut, 1...OptionLimits.episodes, "--held-out")
        if let dashboard { try OptionLimits.check(dashboard, 0...65535, "--dashboard") }
        try OptionLimits.check(demonstrations, 0...OptionLimits.episodes, "--demonstrations")
        try OptionLimits.check(bcEpochs, 1...OptionLimits.iterations, "--bc-epochs")
        try OptionLimits.check(bcChunk, 1...OptionLimits.bcChunk, "--bc-chunk")
        try OptionLimits.check(confirmationEpisodes, 0...OptionLimits.episodes, "--confirmation-episodes")
        try OptionLimits.check(confirmationCandidates, 0...64, "--confirmation-candidates")
        try OptionLimits.check(learnedRounds, 1...100, "--learned-rounds")
        try OptionLimits.check(learnedEpisodes, 1...10_000, "--learned-episodes")
        if let exploration, !(0...1).contains(exploration) {
            throw ValidationError("--exploration must be 0...1, got \(exploration)")
        }
    }

    func run() async throws {
        if let resume, output != nil {
            throw ValidationError("give either --resume \(resume) or --output, not both (a resumed run writes into its own folder)")
        }
        let start = Date()
        let progressOutput = progress.output(since: start)
        let logger = progressOutput.logger(label: "enpire.main")
        let events = progressOutput.events
        var live: MainDashboard?
        if let dashboard { live = try await MainDashboard.start(port: dashboard, host: "127.0.0.1") }
        defer { live?.stop() }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
        let folder = URL(fileURLWithPath: resume ?? output ?? "reports/main-\(stamp)")
        let taskName = try resume.map { _ in try ResearchCampaign.taskName(ofCampaignAt: folder) } ?? task.task.name
        // A clean --reality keeps the Push-T main job (with its learned follow-ups); any other takes the generic path.
        let perturbed = try [reality, heldOutReality].compactMap { $0 }.contains { !(try RealityOption.isClean($0, task: taskName)) }
        if taskName != "pusht" || perturbed || (resume != nil && Self.isPerturbedCampaign(at: folder)) {
            try await runGeneric(task: try TaskRegistry.shared.task(named: taskName), folder: folder, logger: logger,
                                 events: events, monitor: live?.monitor)
            return
        }
        var configuration = PushTCampaign.Configuration()
        configuration.research = try researchConfiguration(task: PushTResearchTask())
        configuration.research.taskOptions = [:]  // Push-T's are typed below (robotReset, cameraReward)
        configuration.demonstrations = demonstrations
        configuration.bcEpochs = bcEpochs
        configuration.bcChunk = bcChunk
        configuration.bcEvaluationEpisodes = min(50, heldOut)
        configuration.robotReset = robotReset
        configuration.learnedPolicy = !noLearned
        configuration.learnedRounds = learnedRounds
        configuration.learnedEpisodesPerRound = learnedEpisodes
        if !taskOptions.isEmpty, resume == nil {
            // `--task-option robot-reset=true` and `camera-reward=FILE` are the flags' long forms.
            if let options = try PushTResearchTask().configured(try Assignment.dictionary(taskOptions)) as? PushTResearchTask {
                configuration.robotReset = configuration.robotReset || options.robotReset
                configuration.cameraReward = options.cameraReward
            }
        }
        if let initialRecipe {
            configuration.research.initialRecipe = try Self.earlierRecipe(initialRecipe, task: PushTResearchTask())
        }
        if cameraReward, resume == nil {
            let report = try PushTRewardStudy(clips: 50).calibrate()
            configuration.cameraReward = report.model
            logger.info("camera reward calibrated on 50 labelled clips: threshold \(String(format: "%.4f", report.model.threshold)), confirmation margin \(report.model.boundaryMargin) over \(report.model.confirmationFrames) consecutive frames, validation accuracy \(String(format: "%.2f", report.validation.accuracy))")
        }
        var campaign = try resume.map { _ in try PushTCampaign.resuming(output: folder) }
            ?? PushTCampaign(configuration: configuration, output: folder)
        campaign.progress = events
        campaign.monitor = live?.monitor
        campaign.viewCamera = live != nil
        let result = try await campaign.run(logger: logger)
        let report = try await PushTCampaignReport.write(result, to: folder)
        try printOutcome(result, report: report,
                         scores: [result.best, result.baseline, result.behaviourCloning, result.learnedBC, result.learned]
                            .compactMap { $0 })
        if !json, let kept = result.keptParadigm {
            CommandOutput.current.line("kept paradigm: \(kept.paradigm) (development \(kept.development.map { "\($0.successes)/\($0.trials)" } ?? "–"), "
                  + "reads \(kept.reads))")
        }
    }

    /// The result as JSON with `--json`, else the report's path and the held-out scores.
    func printOutcome<Result: Encodable>(_ result: Result, report: URL, scores: [HeldOutScore]) throws {
        if json { try printJSON(result); return }
        CommandOutput.current.line("report: \(report.path)")
        CommandOutput.current.line("held-out: " + scores.map { "\($0.policy) \($0.successes)/\($0.trials)" }.joined(separator: ", "))
    }

    /// The research loop's part of the options (every task).
    func researchConfiguration(task: any ResearchTask) throws -> ResearchCampaign.Configuration {
        var configuration = task.campaignDefaults
        configuration.stations = stations
        if let iterations { configuration.iterations = iterations }
        configuration.episodesPerTrial = episodesPerTrial
        configuration.heldOutEpisodes = heldOut
        configuration.seed = seed
        configuration.scoreBaseline = !noBaseline
        configuration.confirmationEpisodes = max(0, confirmationEpisodes)
        configuration.confirmationCandidates = max(0, confirmationCandidates)
        if let exploration { configuration.exploration = exploration }
        configuration.taskOptions = try Assignment.dictionary(taskOptions)
        return configuration
    }

    /// Any other task: the research campaign and its report, no follow-ups.
    func runGeneric(task named: any ResearchTask, folder: URL, logger: Logger,
                    events: (@Sendable (ProgressEvent) -> Void)?, monitor: CampaignMonitor? = nil) async throws {
        if robotReset || cameraReward {
            throw ValidationError("--robot-reset and --camera-reward are Push-T options; task \(named.name) takes --task-option NAME=VALUE (\(named.options.keys.sorted().joined(separator: ", ")))")
        }
        var configuration = try researchConfiguration(task: named)
        if let reality { configuration.taskOptions["reality"] = reality }
        if let heldOutReality { configuration.taskOptions["held-out-reality"] = heldOutReality }
        var campaign: ResearchCampaign
        if resume != nil {
            campaign = try ResearchCampaign.resuming(task: named, output: folder)
        } else {
            let task = try named.configured(configuration.taskOptions)
            if let initialRecipe {
                configuration.initialRecipe = try Self.earlierRecipe(initialRecipe, task: task)
            }
            campaign = ResearchCampaign(task: task, configuration: configuration, output: folder)
        }
        campaign.progress = events
        campaign.monitor = monitor
        if let pusht = campaign.task as? PushTResearchTask, pusht.isPerturbed {
            campaign.followUps = try realityFollowUps(task: pusht)
            if !noLearned {
                campaign.followUps += PushTCampaign.realityLearnedSelector(
                    task: pusht, rounds: learnedRounds, episodesPerRound: learnedEpisodes)
            }
        }
        let result = try await campaign.run(logger: logger)
        var intro = "Task: \(campaign.task.summary). Stations judged by their own reward (`\(campaign.task.criteria.rewardIdentity.prefix(60))`); "
        intro += "held-out successes counted by the simulator's rule (\(campaign.task.criteria.successDefinition)).\n"
        if let pusht = campaign.task as? PushTResearchTask, pusht.isPerturbed {
            intro += "Research stations lived in reality `\(pusht.reality?.name ?? "clean")`; the evaluator stations (the "
                + "best recipe and baseline rows) in `\((pusht.heldOutReality ?? pusht.reality)?.name ?? "clean")`, which no "
                + "research station saw (Docs/SimToReal.md).\n"
        }
        let report = try await ResearchReport.write(result, json: result, title: "\(campaign.task.name) on a simulated fleet: report",
                                              introduction: intro, to: folder)
        try printOutcome(result, report: report,
                         scores: [result.best, result.baseline].compactMap { $0 } + result.followUps.map(\.score))
    }

    /// Whether the campaign in `folder` was started with a Push-T reality (so a resume takes the generic path).
    static func isPerturbedCampaign(at folder: URL) -> Bool {
        guard let configuration = try? ResearchCampaign.savedConfiguration(at: folder) else { return false }
        return configuration.taskOptions["reality"] != nil || configuration.taskOptions["held-out-reality"] != nil
    }

    /// Follow-ups of a campaign under a reality: its best recipe under clean, and the `--reference` recipe under
    /// the held-out reality and under clean, all on the campaign's sealed held-out seeds.
    func realityFollowUps(task: PushTResearchTask) throws -> [FollowUp] {
        let clean = PushTResearchTask(robotReset: task.robotReset, cameraReward: task.cameraReward)
        let heldOutName = (task.heldOutReality ?? task.reality)?.name ?? "clean"
        var followUps = [FollowUp(name: "best-clean") { context in
            let policy = try clean.policy(for: context.bestRecipe)
            let scorer = HeldOutScorer(task: clean, workers: context.configuration.stations, output: nil, logger: context.logger)
            let score = try await scorer.score(label: "best under clean", seeds: context.heldOutSeeds) { policy }
            return FollowUpResult(score: score, note: "the campaign's best recipe on the same seeds, clean simulator")
        }]
        guard !reference.isEmpty else { return followUps }
        var parameters: [String: Double] = [:]
        for item in reference { parameters[item.name] = try item.number() }
        let recipe = Recipe(family: PushTPlannerRecipes.family, parameters: parameters)
        _ = try task.policy(for: recipe)
        for (label, scored) in [("reference under \(heldOutName)", task), ("reference under clean", clean)] {
            followUps.append(FollowUp(name: label) { context in
                let policy = try scored.policy(for: recipe)
                let scorer = HeldOutScorer(task: scored, workers: context.configuration.stations, output: nil,
                                           logger: context.logger)
                let score = try await scorer.score(label: label, seeds: context.heldOutSeeds) { policy }
                return FollowUpResult(score: score, note: "the --reference recipe \(recipe.description)")
            })
        }
        return followUps
    }

    /// The best recipe of an earlier run's report.json, if it is one of `task`'s.
    static func earlierRecipe(_ path: String, task: any ResearchTask) throws -> Recipe {
        let url = URL(fileURLWithPath: path)
        let data = try SafeFile.read(url, limit: 1 << 26)
        // A research report has `bestRecipe` at the top; a Push-T report has it under `research`.
        struct Earlier: Decodable { var bestRecipe: Recipe }
        struct Wrapped: Decodable { var research: Earlier }
        let decoded = (try? JSONDecoder().decode(Earlier.self, from: data))
            ?? (try? JSONDecoder().decode(Wrapped.self, from: data))?.research
        guard let earlier = decoded, task.accepts(earlier.bestRecipe) else {
            throw CommandFailure("\(url.path) holds no \(task.name) bestRecipe (is it an `enpire main --task \(task.name)` report.json?)")
        }
        return earlier.bestRecipe
    }
}
