import ArgumentParser
import Enpire
import EnpireReward
import EnpireSim
import EnpireTasks
import Foundation

/// A JPEG file (at most ``maximumJPEGFileBytes``) as a frame of `camera`.
func readJPEG(_ path: String, camera: String) throws -> Frame {
    let data = try SafeFile.read(URL(fileURLWithPath: path), limit: maximumJPEGFileBytes)
    return Frame(cameraName: camera, timestampSeconds: 0, jpeg: [UInt8](data))
}

/// An existing episode store (a missing folder is an error, not a new empty store).
func openEpisodeStore(_ path: String) throws -> EpisodeStore {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        throw CommandFailure("no episode store at \(path); give the folder an `enpire debug record` or a station wrote")
    }
    return try EpisodeStore(root: URL(fileURLWithPath: path))
}

/// `enpire reward ...`: calibrate, freeze and run camera rewards.
struct RewardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Calibrate, freeze and run camera-based rewards.",
        subcommands: [Calibrate.self, Eval.self, Study.self, Exploit.self, TrainClassifier.self, ClassifierStudy.self])

    /// Fit a Push-T camera reward from labelled episodes and freeze it.
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a Push-T camera reward from labelled episodes and freeze it to a file.",
            discussion: """
                Each episode's last frame of --camera is measured; its label is the episode's recorded verdict \
                (a station judged by ground truth or by a person) unless --labels maps episode ids to true/false. \
                --reference is a JPEG from the same camera showing the goal marking with the block and the \
                agent moved away from it. Tens of episodes with both outcomes suffice. Prints the fit as JSON.
                """)
        @Option(help: "Episode store folder.") var episodes: String
        @Option(help: "JPEG of the goal marking from this camera, block and agent away from it.") var reference: String
        @Option(help: "Camera whose frames are judged.") var camera = "top"
        @Option(help: "JSON object mapping episode ids to true/false (overrides recorded verdicts).") var labels: String?
        @Option(help: "Where to write the frozen reward.") var output = "reward.json"
        @Option(help: "Margin added to the fitted threshold.") var margin = RewardCalibration().safetyMargin

        struct Fit: Encodable {
            var output: String
            var identity: String
            var threshold: Double
            var clips: Int
            var skipped: [String]
            var fitting: ClassificationMetrics
            var validation: ClassificationMetrics
            var heldOut: ClassificationMetrics
        }

        func run() async throws {
            let store = try openEpisodeStore(episodes)
            let referenceFrame = try readJPEG(reference, camera: camera)
            var size = ImageSize(width: 0, height: 0)
            do {
                var image = RGBImage(size: ImageSize(width: 1, height: 1))
                try JPEGCodec().decode(referenceFrame.jpeg ?? [], into: &image)
                size = image.size
            } catch {
                throw CommandFailure("--reference \(reference) is not a readable JPEG: \(ErrorMessage.oneLine(error))")
            }
            let probe = PushTCameraReward(model: PushTRewardModel(cameraName: camera, resolution: size))
            let calibration = try probe.calibration(from: referenceFrame)
            var overrides: [String: Bool] = [:]
            if let labels {
                let data = try SafeFile.read(URL(fileURLWithPath: labels), limit: 1 << 26)
                do {
                    overrides = try JSONDecoder().decode([String: Bool].self, from: data)
                } catch {
                    throw CommandFailure("--labels \(labels) must be a JSON object of episode id to true/false: "
                        + ErrorMessage.oneLine(error))
                }
            }
            var examples: [RewardCalibration.Example] = []
            var skipped: [String] = []
            for id in try store.episodeIDs() {
                let episode = try store.load(id)
                guard let label = overrides[id] ?? episode.summary.verdict?.success,
                      let last = try store.lastFrame(episode: id, camera: camera) else {
                    skipped.append(id)
                    continue
                }
                let frame = Frame(cameraName: camera, timestampSeconds: last.timestampSeconds, jpeg: last.jpeg)
                do {
                    examples.append(.init(features: try probe.features(of: frame, calibration: calibration),
                                          success: label))
                } catch {
                    CommandOutput.current.standardError(Data("skipping \(id): \(ErrorMessage.oneLine(error))\n".utf8))
                    skipped.append(id)
                }
            }
            var base = PushTRewardModel(cameraName: camera, resolution: size)
            base.camera = calibration
            let report = try RewardCalibration(safetyMargin: margin).fit(examples, base: base)
            let identity = try report.model.write(to: URL(fileURLWithPath: output))
            try printJSON(Fit(output: output, identity: identity, threshold: report.model.threshold,
                              clips: examples.count, skipped: skipped, fitting: report.fitting,
                              validation: report.validation, heldOut: report.heldOut))
        }
    }

    /// Judge episodes' final frames (or one frame) with a frozen reward: one JSON line each.
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Judge episodes with a frozen camera reward; prints one JSON line per episode.",
            discussion: """
                The verifier contract: each line is {"episode", "success", "score", "status", "latencyMs", \
                "detail"}. A frame that cannot be judged gives success false with status "unknown". With \
                --expect-hash, a reward file whose SHA-256 differs is refused (the frozen criteria changed).
                """)
        @Option(help: "Frozen reward file (from `enpire reward calibrate`).") var model: String
        @Option(help: "SHA-256 the reward file must have.") var expectHash: String?
        @Option(help: "Episode store folder: judge each episode's last frame.") var episodes: String?
        @Option(help: "Judge this JPEG file instead.") var frame: String?

        struct Line: Encodable {
            var episode: String
            var success: Bool
            var score: Double
            var status: String
            var latencyMs: Double
            var detail: String
        }

        func validate() throws {
            guard (episodes == nil) != (frame == nil) else { throw ValidationError("give exactly one of --episodes and --frame") }
        }

        func run() async throws {
            let frozen = try PushTRewardModel.load(from: URL(fileURLWithPath: model), expectedHash: expectHash)
            let reward = PushTCameraReward(model: frozen)
            func line(_ name: String, _ frame: Frame?) throws {
                let verdict = frame.map { reward.verdict(for: $0) }
                    ?? .unknown(RewardError.missingCamera(frozen.cameraName).description)
                try printJSON(Line(episode: name, success: verdict.success, score: verdict.score,
                                   status: verdict.status.rawValue, latencyMs: verdict.latencySeconds * 1000,
                                   detail: verdict.detail ?? ""))
            }
            if let frame {
                try line(frame, try readJPEG(frame, camera: frozen.cameraName))
                return
            }
            let store = try openEpisodeStore(episodes ?? ".")
            for id in try store.episodeIDs() {
                let last = (try? store.lastFrame(episode: id, camera: frozen.cameraName)).flatMap { $0 }
                try line(id, last.map { Frame(cameraName: frozen.cameraName, timestampSeconds: $0.timestampSeconds,
                                              jpeg: $0.jpeg) })
            }
        }
    }

    /// Calibrate on labelled simulated clips, judge held-out frames from unseen cameras, print agreement.
    struct Study: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push-T camera reward vs the simulator: calibrate on clips, measure on held-out frames.")
        @Option(help: "Labelled clips to calibrate from.") var clips = 50
        @Option(help: "Held-out frames to judge.") var heldOut = 1000
        @Option(help: "Seed of the calibration clips.") var calibrationSeed: UInt64 = 10
        @Option(help: "Seed of the held-out frames.") var heldOutSeed: UInt64 = 20
        @Option(help: "Write the result JSON here too.") var output: String?
        @Option(help: "Instead of labelled frames: run this many episodes ended by the camera reward.")
        var episodes: Int?
        @Option(help: "Seed of those episodes.") var episodeSeed: UInt64 = 30
        @Option(help: "Margin added to the fitted coverage threshold.") var margin: Double?
        @Option(help: "Coverage the expert policies of the episodes aim at.") var expertTarget = 0.97
        @Option(help: "Consecutive confirmed live frames that end an episode early (default: the model's).")
        var confirmations = PushTRewardModel.defaultConfirmationFrames
        @Option(help: ArgumentHelp("With --episodes: run each episode to its full budget, never stopped by the camera, and write every step's estimates and coverage here (one JSON object per episode and line) to replay verdict rules on.", valueName: "file"))
        var trace: String?
        @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
        var progress: ProgressFormat = .text

        func validate() throws {
            guard (10...10_000).contains(clips), (1...100_000).contains(heldOut) else {
                throw ValidationError("--clips must be 10...10000 and --held-out 1...100000")
            }
            guard (0.95...0.995).contains(expertTarget) else { throw ValidationError("--expert-target must be 0.95...0.995") }
            if let episodes, !(1...100_000).contains(episodes) { throw ValidationError("--episodes must be 1...100000") }
            if trace != nil, episodes == nil { throw ValidationError("--trace needs --episodes") }
            guard (1...PushTRewardModel.maximumConfirmationFrames).contains(confirmations) else {
                throw ValidationError("--confirmations must be 1...\(PushTRewardModel.maximumConfirmationFrames)")
            }
        }

        func run() async throws {
            var study = PushTRewardStudy(clips: clips, heldOut: heldOut, calibrationSeed: calibrationSeed,
                                         heldOutSeed: heldOutSeed)
            if let margin { study.safetyMargin = margin }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data: Data
            if let episodes, let trace {
                let report = try study.calibrate()
                let traces = try study.traceEpisodes(
                    episodes, seed: episodeSeed, model: report.model, expertTarget: expertTarget,
                    progress: progress.output(since: Date()).counter(phase: "episodes", total: episodes, every: 50))
                let lines = JSONEncoder()
                lines.outputFormatting = [.sortedKeys]
                var text = Data()
                for line in traces {
                    text.append(try lines.encode(line))
                    text.append(0x0A)
                }
                try writeOutput(text, to: trace)
                data = try encoder.encode(report)
            } else if let episodes {
                var model = try study.calibrate().model
                model.confirmationFrames = confirmations
                let result = try study.runEpisodes(episodes, seed: episodeSeed, model: model,
                                                   expertTarget: expertTarget,
                                                   progress: progress.output(since: Date()).counter(phase: "episodes", total: episodes, every: 50))
                data = try encoder.encode(result)
            } else {
                let result = try study.run(progress: progress.output(since: Date()).counter(phase: "held-out frames", total: heldOut))
                data = try encoder.encode(result)
            }
            if let output { try writeOutput(data, to: output) }
            CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        }
    }
}
