import Enpire
import EnpireLearning
import EnpireSim
import Foundation

extension PushTLearnableTask {
    /// `station-rl`: loads the `bc`/`dagger` checkpoint in `options.base` and improves it with ``PushTStationRL`` on
    /// camera-judged stations (in ``reality``); `daggerRounds` are the RL rounds, `episodesPerRound` the exploring
    /// episodes of each, `devSeeds` the development episodes after each round; training starts at seed 300,000 +
    /// 1,000,000 × (`seed` − 1). Writes the kept round's checkpoint
    /// (same format as `bc`/`dagger`, so `enpire policy eval` scores it) and `station-rl.json` (the curve).
    func learnOnStations(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary {
        guard options.observe == .camera else {
            throw LearningError.invalidOption("station-rl learns from the station's camera; use --observe camera")
        }
        guard let baseURL = options.base else {
            throw LearningError.invalidOption("station-rl needs --base DIR: a Push-T bc or dagger checkpoint to improve")
        }
        let base = try PushTPrimitiveModel.load(from: baseURL)
        var configuration = PushTStationRL.Configuration()
        configuration.rounds = max(1, options.daggerRounds)
        configuration.episodesPerRound = options.episodesPerRound
        configuration.learningRate = options.learningRate
        configuration.developmentEpisodes = options.devSeeds
        configuration.developmentFirstSeed = options.firstDevSeed
        configuration.workers = options.workers
        configuration.seed = options.seed
        // Another run seed explores other starts (a second run from the first's checkpoint sees new episodes).
        configuration.trainingFirstSeed = 300_000 &+ (options.seed &- 1) &* 1_000_000
        configuration.reality = reality.flatMap { $0.isClean ? nil : $0 }
        configuration.holdsWhenCovered = holdsWhenCovered
        configuration.clipRatio = stationRLClipRatio
        if let epochs = stationRLEpochs { configuration.epochs = epochs }
        let rounds = configuration.rounds
        let recorder = try recordingFolder.map { try EpisodeStore(root: $0) }
        let result = try await PushTStationRL(configuration: configuration).run(base: base, recorder: recorder) { update in
            var phase = "\(update.phase) round \(update.round)/\(rounds)"
            if let point = update.point {
                phase = "round \(point.round)/\(rounds) scored: development \(point.developmentSuccesses)/"
                    + "\(point.developmentEpisodes); exploring episodes the camera judged successful "
                    + "\(point.cameraSuccesses)/\(point.roundEpisodes)"
            }
            // A scored round is a unit of its own (1/1), so throttled progress output always shows it.
            let unit = update.point == nil ? (update.done, update.total) : (1, 1)
            progress(LearnProgress(phase: phase, done: unit.0, total: unit.1, etaSeconds: update.etaSeconds))
        }
        try result.model.save(to: options.output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(StationRLReport(configuration: configuration, base: baseURL.path, keptRound: result.keptRound,
                                           wallSeconds: result.wallSeconds, curve: result.curve))
            .write(to: options.output.appendingPathComponent("station-rl.json"), options: .atomic)
        var plotted = LearningCurve(label: "station-rl (development, camera policy)")
        for point in result.curve {
            plotted.points.append(try LearningCurve.Point(
                robotTimeSeconds: point.trainingRobotSeconds, successes: point.developmentSuccesses,
                trials: point.developmentEpisodes, meanReturn: point.meanReturn))
        }
        try plotted.writeJSON(to: options.output.appendingPathComponent("station-rl-curve.json"))
        try LearningCurve.writeSVG([plotted], title: "pusht station-rl: dev success vs training robot time",
                                   to: options.output.appendingPathComponent("station-rl-curve.svg"))
        let curve = result.curve.map {
            LearningCurvePoint(stage: $0.round == 0 ? "base" : "station-rl round \($0.round)", wallSeconds: $0.wallSeconds,
                               robotSeconds: $0.trainingRobotSeconds + $0.developmentRobotSeconds, rows: $0.decisions,
                               devSuccesses: $0.developmentSuccesses, devEpisodes: $0.developmentEpisodes,
                               validationMSE: nil)
        }
        return learnSummary(options, curve: curve, keptRound: result.keptRound, wallSeconds: result.wallSeconds,
                            teacherSuccesses: 0)
    }
}

/// `station-rl.json`: the settings, the starting checkpoint and the curve of a ``PushTStationRL`` run.
public struct StationRLReport: Sendable, Codable, Equatable {
    /// The settings.
    public var configuration: PushTStationRL.Configuration
    /// The starting checkpoint's directory.
    public var base: String
    /// The kept round (0: the starting policy).
    public var keptRound: Int
    /// Wall seconds.
    public var wallSeconds: Double
    /// One point per round.
    public var curve: [PushTStationRL.CurvePoint]
}
