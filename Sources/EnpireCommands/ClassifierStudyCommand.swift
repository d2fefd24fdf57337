import ArgumentParser
import Enpire
import EnpireReward
import EnpireRewardLearning
import EnpireTasks
import Foundation

extension RewardCommand {
    /// `enpire reward classifier-study`: a frozen classifier against the simulator's ground truth on fresh episodes.
    struct ClassifierStudy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "classifier-study",
            abstract: "Agreement of a frozen success classifier with the simulator's ground truth on fresh episodes.",
            discussion: """
                Runs --episodes simulated episodes of --task from seeds --seed, --seed+1, ... (use seeds never used \
                to train or tune), judges each final frame (JPEG q90, a new noisy camera per episode) with the \
                classifier in --model, and compares with the simulator's ground truth. Unless --no-analyser, the \
                task's hand-written analyser judges the same episodes (none for the clip-only staging task; Push-T: \
                camera only, calibrated from 50 clips \
                of calibration seed 10; pin insertion and zip-tie: the verifiers of `enpire verifier study`, which \
                also read the arm's pose, force or grasp). Prints counts, agreement and false positives with Wilson \
                95 % intervals, and the classifier's per-frame latency (decode included), as JSON. For pin and \
                zip-tie also the classifier AND the arm's vote (force, tension), the ceiling of any camera-only \
                judge (the ground truth less the arm's votes, against the ground truth) and the classifier against \
                that camera-visible truth. With --live-confirmations k (Push-T), every frame of each episode is \
                judged as a station's live reward judges it (see that option).
                """)
        @Option(help: "pusht, pin, ziptie or staging (clip-only: no analyser).") var task: String
        @Option(help: "Folder with classifier.json and classifier.safetensors.") var model: String
        @Option(help: "Refuse the classifier unless classifier.json has this SHA-256.") var expectHash: String?
        @Option(help: "Number of episodes.") var episodes = 200
        @Option(help: "First seed (use seeds never used for training or tuning).") var seed: UInt64 = 9_000_000
        @Option(help: "Worker threads.") var workers = 2
        @Flag(help: "Do not run the hand-written analyser.") var noAnalyser = false
        @Option(help: "Write the JSON report to this file too.") var output: String?
        @Option(help: ArgumentHelp("Write one CSV row per episode (seed, kind, truth, camera-visible truth, the "
                                   + "classifier's P(success), the arm's vote) to this file, to study the threshold.",
                                   valueName: "file"))
        var scores: String?
        @Option(help: ArgumentHelp("Push-T only: judge every frame of each episode as a station's live reward does, "
                                   + "a success before the episode's last frame needing k consecutive frames above the "
                                   + "threshold, each judge's episode ending at its first success; the hand-written "
                                   + "analyser judges the same frames with its own confirmations. Without it, final "
                                   + "frames only.", valueName: "k"))
        var liveConfirmations: Int?
        @Option(help: ArgumentHelp("Progress on standard error: text lines, or json (one JSON object per line).",
                                   valueName: "text|json"))
        var progress: ProgressFormat = .text

        func validate() throws {
            guard ClassifierSimulatedEpisodes.tasks.contains(task) else { throw ValidationError("--task must be pusht, pin, ziptie or staging") }
            guard (1...100_000).contains(episodes) else { throw ValidationError("--episodes must be 1...100000") }
            guard (1...16).contains(workers) else { throw ValidationError("--workers must be 1...16") }
            if let k = liveConfirmations {
                guard task == "pusht" else {
                    throw ValidationError("--live-confirmations is for --task pusht: the other tasks' generators make end states, not every step")
                }
                guard (1...30).contains(k) else { throw ValidationError("--live-confirmations must be 1...30") }
                guard scores == nil else { throw ValidationError("--scores is for the final-frame study, not --live-confirmations") }
            }
        }

        struct Outcome: Sendable {
            var seed: UInt64, kind: String, truth: Bool, cameraVisible: Bool, truthDetail: String
            var classifier: Verdict
            var analyser: Verdict?
        }

        /// Confusion counts with Wilson intervals.
        struct Scored: Encodable {
            var metrics: ClassificationMetrics
            var agreement: Int, total: Int
            var agreementWilson95: [Double]
            var falsePositiveShareWilson95: [Double]
            var unknown: Int

            init(_ pairs: [(predicted: Verdict, truth: Bool)]) throws {
                var metrics = ClassificationMetrics()
                for pair in pairs { metrics.record(predicted: pair.predicted.success, truth: pair.truth) }
                self.metrics = metrics
                agreement = metrics.truePositives + metrics.trueNegatives
                total = metrics.total
                agreementWilson95 = try Self.wilson95(agreement, of: total)
                falsePositiveShareWilson95 = try Self.wilson95(metrics.falsePositives, of: total)
                unknown = pairs.filter { $0.predicted.status == .unknown }.count
            }

            /// The Wilson 95 % interval of `successes` in `trials`, as `[lower, upper]`.
            static func wilson95(_ successes: Int, of trials: Int) throws -> [Double] {
                let interval = try WilsonInterval(successes: successes, trials: trials)
                return [interval.lower, interval.upper]
            }
        }

        /// Per-frame latencies in seconds as milliseconds: `p50`, `p99` and `max` (empty for no frames).
        static func latencyMilliseconds(_ seconds: [Double]) -> [String: Double] {
            let sorted = seconds.sorted()
            guard let last = sorted.last else { return [:] }
            func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000 }
            return ["p50": quantile(0.5), "p99": quantile(0.99), "max": last * 1000]
        }

        struct Report: Encodable {
            var task: String, episodes: Int, firstSeed: UInt64, lastSeed: UInt64, workers: Int
            var identity: String, threshold: Double
            var classifier: Scored
            var perKind: [String: ClassificationMetrics]
            var latencyMilliseconds: [String: Double]
            var analyser: Scored?
            var analyserReadsArm: Bool
            /// The classifier's vote AND-fused with the analyser's non-camera vote (pin: force; zip-tie: tension).
            var classifierAndArmVote: Scored?
            /// Pin and zip-tie: the ground truth less the arm's votes (what a perfect camera-only judge says) against
            /// the ground truth: the ceiling of any camera-only agreement on these episodes.
            var cameraOnlyCeiling: Scored?
            /// Pin and zip-tie: the classifier against that camera-visible truth (how well it learned what a
            /// camera can see).
            var classifierVsCameraVisible: Scored?
            var misjudged: [String]
            var wallSeconds: Double
        }

        final class Worker {
            let simulated: ClassifierSimulatedEpisodes.Worker
            let reward: ClassifierReward
            init(model: URL, expectHash: String?, pushTModel: PushTRewardModel?) throws {
                simulated = try ClassifierSimulatedEpisodes.Worker(pushTModel: pushTModel)
                reward = try ClassifierReward(folder: model, expectedHash: expectHash)
            }
        }

        /// The classifier's vote fused (`.all`) with the analyser's arm vote, against the truth.
        static func fusedWithArm(_ outcome: Outcome) -> (predicted: Verdict, truth: Bool)? {
            guard let analyser = outcome.analyser else { return nil }
            let arm = analyser.votes.filter { ClassifierSimulatedEpisodes.armVotes.contains($0.source) }
            guard !arm.isEmpty else { return nil }
            return (VoteFusion.fuse(outcome.classifier.votes + arm, rule: .all), outcome.truth)
        }

        func run() async throws {
            let start = Date()
            let folder = URL(fileURLWithPath: model)
            let probe: ClassifierReward
            do { probe = try ClassifierReward(folder: folder, expectedHash: expectHash) } catch { throw CommandFailure("\(error)") }
            let pushTModel = task == "pusht" && !noAnalyser ? try PushTRewardStudy(clips: 50).calibrate().model : nil
            if let k = liveConfirmations {
                return try runLive(confirmations: k, probe: probe, analyserModel: pushTModel, start: start)
            }
            let source = ClassifierSimulatedEpisodes(task: task, camera: probe.model.cameraName, framesPerEpisode: 1)
            let first = seed, analyse = !noAnalyser && ClassifierSimulatedEpisodes.hasAnalyser(task), hash = expectHash
            let ticker = ProgressTicker(progress.output(since: start).counter(phase: "classifier study", total: episodes,
                                                                              every: 50))
            let outcomes: [Outcome]
            do {
                outcomes = try ParallelEpisodes.run(
                    count: episodes, workers: workers,
                    makeWorker: { _ in try Worker(model: folder, expectHash: hash, pushTModel: pushTModel) },
                    body: { worker, index in
                        let episode = try source.episode(seed: first + UInt64(index), worker: worker.simulated,
                                                         analyse: analyse)
                        let verdict = worker.reward.verdict(for: episode.final)
                        ticker.tick()
                        return Outcome(seed: episode.seed, kind: episode.kind, truth: episode.success,
                                       cameraVisible: episode.cameraVisible, truthDetail: episode.truthDetail,
                                       classifier: verdict, analyser: episode.analyser)
                    })
            } catch {
                throw CommandFailure("study failed: \(error)")
            }
            var perKind: [String: ClassificationMetrics] = [:]
            var misjudged: [String] = []
            for outcome in outcomes {
                perKind[outcome.kind, default: ClassificationMetrics()]
                    .record(predicted: outcome.classifier.success, truth: outcome.truth)
                if outcome.classifier.success != outcome.truth {
                    misjudged.append("seed \(outcome.seed) \(outcome.kind): truth \(outcome.truth) (\(outcome.truthDetail)), "
                        + "\(outcome.classifier.detail ?? "") [\(outcome.classifier.status.rawValue)]")
                }
            }
            let armTask = task == "pin" || task == "ziptie"
            let report = Report(
                task: task, episodes: episodes, firstSeed: seed, lastSeed: seed + UInt64(episodes) - 1, workers: workers,
                identity: probe.identity, threshold: probe.model.threshold,
                classifier: try Scored(outcomes.map { ($0.classifier, $0.truth) }), perKind: perKind,
                latencyMilliseconds: Self.latencyMilliseconds(outcomes.map(\.classifier.latencySeconds)),
                analyser: analyse ? try Scored(outcomes.compactMap { o in o.analyser.map { ($0, o.truth) } }) : nil,
                analyserReadsArm: analyse && armTask,
                classifierAndArmVote: analyse && armTask ? try Scored(outcomes.compactMap(Self.fusedWithArm)) : nil,
                cameraOnlyCeiling: armTask ? try Scored(outcomes.map { o in
                    (Verdict(success: o.cameraVisible, score: o.cameraVisible ? 1 : 0, status: o.cameraVisible ? .confirmedPass : .likelyFail), o.truth)
                }) : nil,
                classifierVsCameraVisible: armTask ? try Scored(outcomes.map { ($0.classifier, $0.cameraVisible) }) : nil,
                misjudged: misjudged, wallSeconds: Date().timeIntervalSince(start))
            try printPrettyJSON(report, alsoTo: output)
            if let scores { try writeOutput(Data(Self.scoresCSV(outcomes).utf8), to: scores) }
        }

        /// One CSV row per episode: `seed,kind,truth,camera_visible,p_success,arm_vote` (arm vote `pass`, `fail`
        /// or empty when the analyser did not run or has no arm vote).
        static func scoresCSV(_ outcomes: [Outcome]) -> String {
            var text = "seed,kind,truth,camera_visible,p_success,arm_vote\n"
            for o in outcomes {
                let arm = o.analyser.map { $0.votes.filter { ClassifierSimulatedEpisodes.armVotes.contains($0.source) } } ?? []
                let vote = arm.isEmpty ? "" : (arm.allSatisfy(\.success) ? "pass" : "fail")
                text += "\(o.seed),\(o.kind),\(o.truth),\(o.cameraVisible),\(o.classifier.score),\(vote)\n"
            }
            return text
        }
    }
}
