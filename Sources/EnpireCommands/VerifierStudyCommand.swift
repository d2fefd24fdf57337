import ArgumentParser
import Enpire
import EnpireReward
import EnpireSim
import Foundation

/// `enpire verifier ...`: camera verifiers of the simulated pin-insertion and zip-tie tasks.
struct VerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier", abstract: "Camera verifiers of the pin-insertion and zip-tie tasks.",
        subcommands: [Study.self])

    /// Agreement of a camera verifier with the simulator's ground truth on held-out episodes.
    struct Study: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agreement of a camera verifier with the simulator's ground truth on held-out episodes.",
            discussion: """
                Runs --episodes episodes with seeds --seed, --seed+1, ... on --workers threads: the scripted \
                expert, in a share of episodes deliberately perturbed (pin: wrong hole estimate, too much force, \
                tilted hand, stopping early; zip-tie: cutting off the mark, cutting a slack tie, cutting without \
                holding the tie, stopping early) so both outcomes are well represented. Each episode gets its own \
                noisy camera(s); the final frames are JPEG-compressed and judged by the camera verifier (pixels \
                plus the arms' readings only) and compared with the simulator's ground-truth reward. Prints the \
                confusion counts, agreement, false-positive rate and per-kind counts as JSON.
                """)
        @Option(name: .customLong("task"), help: ArgumentHelp("pin or ziptie (the tasks with a camera verifier study).", valueName: "task"))
        var taskName: TaskName
        var task: String { taskName.task.name }
        @Option(help: "Number of episodes.") var episodes = 500
        @Option(help: "First seed (use seeds never used for tuning).") var seed: UInt64 = 1_000_000
        @Option(help: "Worker threads.") var workers = 2
        @Option(help: "Write the JSON report to this file too.") var output: String?
        @Option(help: "Write the final frames of disagreeing episodes (and the first N others) as PNG here.")
        var framesFolder: String?
        @Option(help: "With --frames-folder: also write the first N agreeing episodes.") var frames = 0
        @Flag(help: "Print one line per episode.") var verbose = false
        @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
        var progress: ProgressFormat = .text

        func validate() throws {
            guard task == "pin" || task == "ziptie" else {
                throw ValidationError("--task must be pin or ziptie (task \(task) has no verifier study)")
            }
            guard (1...100_000).contains(episodes) else { throw ValidationError("--episodes must be 1...100000") }
            guard (1...16).contains(workers) else { throw ValidationError("--workers must be 1...16") }
        }

        func run() async throws {
            let start = Date()
            let outcomes: [Outcome]
            if task == "pin" {
                outcomes = try runPin()
            } else {
                outcomes = try runZipTie()
            }
            var report = Report(task: task, episodes: episodes, firstSeed: seed, lastSeed: seed + UInt64(episodes) - 1,
                                workers: workers, wallSeconds: 0)
            for outcome in outcomes.sorted(by: { $0.seed < $1.seed }) {
                report.record(outcome)
                if verbose || outcome.predicted != outcome.truth {
                    let mark = outcome.predicted == outcome.truth ? "  " : "!!"
                    CommandOutput.current.line("\(mark) seed \(outcome.seed) \(outcome.kind): truth \(outcome.truth) verifier \(outcome.predicted) [\(outcome.status)] | \(outcome.verifierDetail) | truth: \(outcome.truthDetail)")
                }
            }
            report.wallSeconds = Date().timeIntervalSince(start)
            try printPrettyJSON(report, alsoTo: output)
        }

        /// One judged episode.
        struct Outcome: Sendable {
            var seed: UInt64
            var kind: String
            var truth: Bool
            var predicted: Bool
            var status: VerdictStatus
            var verifierDetail: String
            var truthDetail: String
            var latencySeconds: Double

            /// An episode of `kind` whose ground truth was `truth` and that the verifier judged `verdict`.
            init(seed: UInt64, kind: String, truth: Bool, truthDetail: String?, verdict: Verdict) {
                self.seed = seed
                self.kind = kind
                self.truth = truth
                predicted = verdict.success
                status = verdict.status
                verifierDetail = verdict.detail ?? ""
                self.truthDetail = truthDetail ?? ""
                latencySeconds = verdict.latencySeconds
            }
        }

        /// Confusion counts of one group of episodes.
        struct Counts: Codable {
            var truePositives = 0
            var trueNegatives = 0
            var falsePositives = 0
            var falseNegatives = 0
            var unknown = 0
            var episodes: Int { truePositives + trueNegatives + falsePositives + falseNegatives }
            var agreement: Double { episodes == 0 ? 0 : Double(truePositives + trueNegatives) / Double(episodes) }

            mutating func record(_ outcome: Outcome) {
                switch (outcome.predicted, outcome.truth) {
                case (true, true): truePositives += 1
                case (false, false): trueNegatives += 1
                case (true, false): falsePositives += 1
                case (false, true): falseNegatives += 1
                }
                if outcome.status == .unknown { unknown += 1 }
            }

            enum CodingKeys: String, CodingKey {
                case truePositives, trueNegatives, falsePositives, falseNegatives, unknown, episodes, agreement
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(truePositives, forKey: .truePositives)
                try container.encode(trueNegatives, forKey: .trueNegatives)
                try container.encode(falsePositives, forKey: .falsePositives)
                try container.encode(falseNegatives, forKey: .falseNegatives)
                try container.encode(unknown, forKey: .unknown)
                try container.encode(episodes, forKey: .episodes)
                try container.encode(agreement, forKey: .agreement)
            }

            init() {}

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                truePositives = try container.decode(Int.self, forKey: .truePositives)
                trueNegatives = try container.decode(Int.self, forKey: .trueNegatives)
                falsePositives = try container.decode(Int.self, forKey: .falsePositives)
                falseNegatives = try container.decode(Int.self, forKey: .falseNegatives)
                unknown = try container.decode(Int.self, forKey: .unknown)
            }
        }

        /// What the study prints and writes.
        struct Report: Codable {
            var task: String
            var episodes: Int
            var firstSeed: UInt64
            var lastSeed: UInt64
            var workers: Int
            var wallSeconds: Double
            var overall = Counts()
            var agreement = 0.0
            var falsePositiveRate = 0.0
            var falseNegativeRate = 0.0
            var groundTruthSuccesses = 0
            var groundTruthFailures = 0
            var byKind: [String: Counts] = [:]
            var disagreeingSeeds: [UInt64] = []
            var meanVerifierMilliseconds = 0.0
            var maxVerifierMilliseconds = 0.0

            init(task: String, episodes: Int, firstSeed: UInt64, lastSeed: UInt64, workers: Int, wallSeconds: Double) {
                self.task = task
                self.episodes = episodes
                self.firstSeed = firstSeed
                self.lastSeed = lastSeed
                self.workers = workers
                self.wallSeconds = wallSeconds
            }

            mutating func record(_ outcome: Outcome) {
                let n = Double(overall.episodes)
                overall.record(outcome)
                byKind[outcome.kind, default: Counts()].record(outcome)
                if outcome.predicted != outcome.truth { disagreeingSeeds.append(outcome.seed) }
                if outcome.truth { groundTruthSuccesses += 1 } else { groundTruthFailures += 1 }
                let ms = outcome.latencySeconds * 1000
                meanVerifierMilliseconds = (meanVerifierMilliseconds * n + ms) / (n + 1)
                maxVerifierMilliseconds = max(maxVerifierMilliseconds, ms)
                agreement = overall.agreement
                let negatives = overall.falsePositives + overall.trueNegatives
                falsePositiveRate = negatives == 0 ? 0 : Double(overall.falsePositives) / Double(negatives)
                let positives = overall.truePositives + overall.falseNegatives
                falseNegativeRate = positives == 0 ? 0 : Double(overall.falseNegatives) / Double(positives)
            }
        }

        /// What each thread of a study holds: its own JPEG codec and verifier.
        final class Worker<Verifier> {
            let codec: JPEGCodec
            let verifier: Verifier
            init(_ verifier: Verifier) throws {
                codec = try JPEGCodec()
                self.verifier = verifier
            }
        }

        /// Runs `body(seed, dump, worker)` for every episode's seed on `workers` threads; each thread makes its own
        /// worker around `makeVerifier()`. `dump` is true for the first `--frames` episodes, whose frames are
        /// written even when the verifier agrees with the ground truth.
        private func parallel<Verifier>(_ makeVerifier: @Sendable @escaping () -> Verifier,
                                        _ body: @Sendable (_ seed: UInt64, _ dump: Bool, Worker<Verifier>) throws
                                            -> Outcome) throws -> [Outcome] {
            let first = seed, dump = frames
            let ticker = ProgressTicker(progress.output(since: Date()).counter(phase: "verifier study", total: episodes,
                                                                               every: 50))
            do {
                return try ParallelEpisodes.run(count: episodes, workers: workers,
                                                makeWorker: { _ in try Worker(makeVerifier()) },
                                                body: { worker, index in
                                                    let outcome = try body(first + UInt64(index), index < dump, worker)
                                                    ticker.tick()
                                                    return outcome
                                                })
            } catch {
                throw CommandFailure("study failed: \(error)")
            }
        }

        private func writePNG(_ frame: Frame, name: String, codec: JPEGCodec) {
            guard let folder = framesFolder else { return }
            let url = URL(fileURLWithPath: folder)
            try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            guard let image = frame.image ?? frame.jpeg.flatMap({ try? codec.decode($0) }) else { return }
            try? Data(PNGEncoder.encode(image)).write(to: url.appendingPathComponent(name + ".png"))
        }

        private func runPin() throws -> [Outcome] {
            let generator = PinInsertionLabelledEpisodes()
            return try parallel({ PinInsertionCameraVerifier() }) { seed, dump, worker in
                let sample = try generator.sample(seed: seed, codec: worker.codec)
                let streak = LowForceStreak.of(sample.forces, bound: worker.verifier.model.forceBound)
                let verdict = worker.verifier.verdict(frame: sample.frame, handPose: sample.handPose,
                                                      lowForceStreak: streak)
                if verdict.success != sample.success || dump {
                    writePNG(sample.frame, name: "pin-\(sample.seed)-\(sample.kind)", codec: worker.codec)
                }
                return Outcome(seed: sample.seed, kind: sample.kind.rawValue, truth: sample.success,
                               truthDetail: sample.groundTruth.detail, verdict: verdict)
            }
        }

        private func runZipTie() throws -> [Outcome] {
            let generator = ZipTieLabelledEpisodes()
            return try parallel({ ZipTieCameraVerifier() }) { seed, dump, worker in
                let sample = try generator.sample(seed: seed, codec: worker.codec)
                var monitor = ZipTieCutTensionMonitor(closedJawOpening: worker.verifier.model.closedJawOpening)
                for (left, cutter) in zip(sample.leftReadings, sample.cutterReadings) {
                    monitor.record(left: left, cutter: cutter)
                }
                var frames: [String: Frame] = [:]
                for frame in sample.frames { frames[frame.cameraName] = frame }
                let verdict = worker.verifier.verdict(frames: frames, tensionAtClosure: monitor.tensionAtClosure)
                if verdict.success != sample.success || dump {
                    for frame in sample.frames {
                        writePNG(frame, name: "ziptie-\(sample.seed)-\(sample.kind)-\(frame.cameraName)",
                                 codec: worker.codec)
                    }
                }
                return Outcome(seed: sample.seed, kind: sample.kind.rawValue, truth: sample.success,
                               truthDetail: sample.groundTruth.detail, verdict: verdict)
            }
        }
    }
}
