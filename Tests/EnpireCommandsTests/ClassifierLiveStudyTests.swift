import Enpire
@testable import EnpireCommands
import EnpireReward
import EnpireRewardLearning
import ArgumentParser
import Foundation
import Testing

/// The live classifier study: how a judge's episode is scored, how the report tallies, and that every episode
/// starts the classifier's confirmation streak afresh.
@Suite("Live classifier study (every frame judged, Push-T)")
struct ClassifierLiveStudyTests {
    typealias Study = ClassifierLiveStudy

    static func judged(_ step: Int?, _ coverage: Double?) -> Study.Judged {
        Study.Judged(declaredStep: step, coverageAtDeclaration: coverage, latencies: [0.001, 0.002])
    }

    @Test("a call is right only at a step whose state is a success; no call is right only if the state never was one")
    func results() {
        #expect(Study.result(of: Self.judged(40, 0.97), firstSuccessStep: 35) == .success)
        #expect(Study.result(of: Self.judged(40, 0.93), firstSuccessStep: 35) == .falsePositive)
        #expect(Study.result(of: Self.judged(40, 0.93), firstSuccessStep: nil) == .falsePositive)
        #expect(Study.result(of: Self.judged(nil, nil), firstSuccessStep: 12) == .missed)
        #expect(Study.result(of: Self.judged(nil, nil), firstSuccessStep: nil) == .failure)
    }

    @Test("the report counts each outcome, the call delays and the frames, and leaves out episodes a judge did not run")
    func report() throws {
        func episode(_ seed: UInt64, first: Int?, classifier: Study.Judged, analyser: Study.Judged?) -> Study.Episode {
            Study.Episode(seed: seed, kind: "expert", firstSuccessStep: first, classifier: classifier, analyser: analyser)
        }
        let episodes = [
            episode(1, first: 30, classifier: Self.judged(33, 0.97), analyser: Self.judged(32, 0.96)),
            episode(2, first: 50, classifier: Self.judged(60, 0.99), analyser: nil),
            episode(3, first: nil, classifier: Self.judged(20, 0.80), analyser: Self.judged(nil, nil)),
            episode(4, first: 10, classifier: Self.judged(nil, nil), analyser: Self.judged(15, 0.97)),
            episode(5, first: nil, classifier: Self.judged(nil, nil), analyser: Self.judged(nil, nil)),
        ]
        let classifier = try Study.JudgeReport(confirmations: 3, episodes: episodes) { $0.classifier }
        #expect(classifier.episodes == 5 && classifier.successes == 2 && classifier.falsePositives == 1)
        #expect(classifier.missed == 1 && classifier.failures == 1 && classifier.agreement == 3)
        #expect(classifier.callDelaySteps["max"] == 10 && classifier.callDelaySteps["p50"] == 10)
        #expect(classifier.framesJudged == 10)
        #expect(classifier.misjudged.count == 2 && classifier.misjudged[0].hasPrefix("seed 3 expert: falsePositive"))
        #expect(classifier.falsePositiveShareWilson95[0] > 0 && classifier.falsePositiveShareWilson95[1] < 1)
        let analyser = try Study.JudgeReport(confirmations: 3, episodes: episodes) { $0.analyser }
        #expect(analyser.episodes == 4 && analyser.successes == 2 && analyser.failures == 2 && analyser.agreement == 4)
        #expect(analyser.falsePositives == 0 && analyser.misjudged.isEmpty)
    }

    @Test("--live-confirmations is refused for tasks without every step, out of range and with --scores; --whole-episodes only generates Push-T clips")
    func options() throws {
        let live = try #require(try EnpireCommand.parseAsRoot(
            ["reward", "classifier-study", "--task", "pusht", "--model", "m", "--live-confirmations", "3"])
            as? RewardCommand.ClassifierStudy)
        #expect(live.liveConfirmations == 3)
        for arguments in [["--task", "ziptie", "--live-confirmations", "3"], ["--task", "pusht", "--live-confirmations", "0"],
                          ["--task", "pusht", "--live-confirmations", "3", "--scores", "s.csv"]] {
            #expect(throws: (any Error).self, "\(arguments)") {
                try EnpireCommand.parseAsRoot(["reward", "classifier-study", "--model", "m"] + arguments)
            }
        }
        let train = ["reward", "train-classifier", "--clips", "c", "--output", "m", "--whole-episodes"]
        #expect(throws: (any Error).self) { try EnpireCommand.parseAsRoot(train + ["--task", "pusht"]) }
        #expect(throws: (any Error).self) { try EnpireCommand.parseAsRoot(train + ["--task", "ziptie", "--generate", "4"]) }
        let whole = try #require(try EnpireCommand.parseAsRoot(train + ["--task", "pusht", "--generate", "4"])
            as? RewardCommand.TrainClassifier)
        #expect(whole.wholeEpisodes)
    }

    @Test("whole-episode Push-T clips start in the episode's first half; the default clips do not")
    func wholeEpisodeClips() throws {
        let worker = try ClassifierSimulatedEpisodes.Worker(pushTModel: nil)
        // Seed 3's kind is drawn like every episode's; the spans differ whatever its step budget.
        let half = try ClassifierSimulatedEpisodes(task: "pusht", camera: "top", framesPerEpisode: 4)
            .episode(seed: 3, worker: worker, analyse: false)
        let whole = try ClassifierSimulatedEpisodes(task: "pusht", camera: "top", framesPerEpisode: 4, wholeEpisode: true)
            .episode(seed: 3, worker: worker, analyse: false)
        let budget = Int((half.final.timestampSeconds * 10).rounded())
        #expect(whole.final.timestampSeconds == half.final.timestampSeconds)
        #expect(half.frames.allSatisfy { $0.frame.timestampSeconds * 10 >= Double(budget / 2) })
        #expect(whole.frames[0].frame.timestampSeconds * 10 < Double(budget / 2))
        #expect(whole.success == half.success)
    }

    @Test("with 3 confirmations a classifier that passes every frame calls success at step 3 of every episode")
    func streakRestartsPerEpisode() throws {
        // An untrained network and a threshold below any probability: every frame is above it, so the call
        // comes exactly when the streak reaches 3, in each episode, if (and only if) each episode restarts it.
        let input = try ClassifierInput(resolution: ImageSize(width: 640, height: 480),
                                        region: RegionOfInterest(x: 208, y: 128, width: 224, height: 224), side: 16)
        let recipe = ClassifierRecipe(channels: [4], groups: 2, features: 4)
        let classifier = try SuccessClassifier(input: input, recipe: recipe)
        let report = try JSONDecoder().decode(ClassifierTrainer.Report.self, from: Data("""
            {"trainingClips": 0, "trainingFrames": 0, "calibrationClips": 0, "calibrationFrames": 0, "threshold": -1,
             "training": {"truePositives": 0, "falsePositives": 0, "trueNegatives": 0, "falseNegatives": 0},
             "calibration": {"truePositives": 0, "falsePositives": 0, "trueNegatives": 0, "falseNegatives": 0},
             "firstEpochLoss": 0, "lastEpochLoss": 0, "seconds": 0}
            """.utf8))
        let model = ClassifierModel(task: "pusht", cameraName: "top", input: input, recipe: recipe, threshold: -1,
                                    training: report, weightsSHA256: "")
        let worker = try Study.Worker(classifier: ClassifierReward(model: model, classifier: classifier, confirmations: 3),
                                      analyserModel: nil)
        for seed: UInt64 in [11, 12] {
            let episode = try Study.episode(seed: seed, worker: worker)
            #expect(episode.classifier.declaredStep == 3, "seed \(seed)")
            #expect(episode.classifier.latencies.count == 3 && episode.analyser == nil)
            // Three steps after a reset the block is nowhere near the goal: a call there is a false positive.
            #expect(Study.result(of: episode.classifier, firstSuccessStep: episode.firstSuccessStep) == .falsePositive)
        }
    }
}
