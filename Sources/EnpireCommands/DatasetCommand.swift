import ArgumentParser
import Enpire
import EnpireLearning
import EnpireProcess
import EnpireResearch
import EnpireSim
import EnpireTasks
import Foundation

/// `enpire dataset`: episodes in the LeRobotDataset v3 layout, and simulated episodes to convert.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Convert episodes between Enpire's episode store and the LeRobotDataset v3 layout.",
        discussion: """
            export and import run a Python converter (numpy, pyarrow, PyAV, Pillow, pandas) in --python, \
            $ENPIRE_PYTHON or ./.venv (`source scripts/python-env.sh numpy pyarrow av pillow:PIL pandas`). \
            Docs/Formats.md describes the mapping.
            """,
        subcommands: [Export.self, Import.self, Compare.self, Record.self, TrainBC.self])

    /// Options shared by export and import.
    struct ConverterOptions: ParsableArguments {
        @Option(help: "Python interpreter with numpy, pyarrow, av, Pillow and pandas (default: $ENPIRE_PYTHON, else ./.venv/bin/python, else python3).")
        var python: String?
        @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
        var progress: ProgressFormat = .text
        @Flag(help: "Print the result as JSON.") var json = false
    }

    /// `enpire dataset export`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an episode store's sealed episodes as a LeRobotDataset v3 (parquet, one mp4 per camera).")
        @Option(help: "Episode store folder.") var store: String
        @Option(help: "Output dataset folder (created; must not exist).") var output: String
        @Option(help: "Only episodes of this task (a dataset has one fps and one station layout).") var task: String?
        @Option(help: "Video codec: libx264 (h264) or libsvtav1 (av1, LeRobot's default).") var codec = "libx264"
        @Option(help: "Constant rate factor of the video encoder (lower: larger, closer to the frames).") var crf = 18
        @OptionGroup var converter: ConverterOptions

        func validate() throws {
            guard ["libx264", "libsvtav1"].contains(codec) else {
                throw ValidationError("--codec must be libx264 or libsvtav1, got \(codec)")
            }
            try OptionLimits.check(crf, 0...63, "--crf")
        }

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("--output \(output) exists; give a new folder")
            }
            let result = try await LeRobotConverter(python: converter.python).run(
                ["export", store, output, codec, "\(crf)", task ?? ""], progress: converter.progress)
            try report(result, json: converter.json, verb: "exported", to: output)
        }
    }

    /// `enpire dataset import`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a LeRobotDataset v3 (one Enpire exported, or one LeRobot wrote) into an episode store.")
        @Option(help: "LeRobot dataset folder (with meta/info.json).") var dataset: String
        @Option(help: "Episode store folder to write episodes into.") var store: String
        @Option(help: "JPEG quality of the re-encoded camera frames.") var jpegQuality = 90
        @OptionGroup var converter: ConverterOptions

        func validate() throws { try OptionLimits.check(jpegQuality, 1...100, "--jpeg-quality") }

        func run() async throws {
            let result = try await LeRobotConverter(python: converter.python).run(
                ["import", dataset, store, "\(jpegQuality)"], progress: converter.progress)
            let loaded = try EpisodeStore(root: URL(fileURLWithPath: store)).loadAll()
            try report(result, json: converter.json, verb: "imported", to: store + " (\(loaded.count) episodes load)")
        }
    }

    /// `enpire dataset compare`.
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a round trip: identical steps, summaries and frame indexes; PSNR of the camera frames.")
        @Option(help: "The original episode store.") var original: String
        @Option(help: "The store written by `enpire dataset import`.") var copy: String
        @OptionGroup var converter: ConverterOptions

        func run() async throws {
            let result = try await LeRobotConverter(python: converter.python).run(
                ["compare", original, copy], progress: converter.progress)
            if converter.json { return try report(result, json: true, verb: "", to: "") }
            let mismatched = result["mismatched"] as? [String] ?? []
            CommandOutput.current.line("\(result["episodes"] ?? "?") episodes, \(result["steps"] ?? "?") steps: "
                + (mismatched.isEmpty ? "steps, action sources, verdicts and frame indexes identical"
                                      : "DIFFERENT: \(mismatched.joined(separator: ", "))"))
            let psnr = (result["psnr_db"] as? Double).map { String(format: "%.2f dB", $0) } ?? "n/a"
            let worst = (result["worst_frame_psnr_db"] as? Double).map { String(format: "%.2f dB", $0) } ?? "n/a"
            CommandOutput.current.line("camera frames: \(result["frames"] ?? "?"), PSNR \(psnr) (worst frame \(worst))")
            if !mismatched.isEmpty { throw ExitCode(1) }
        }
    }

    /// `enpire dataset record`.
    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a simulated task's expert episodes, with its cameras streaming every step, into a store.")
        @Option(help: "pusht, pin-insertion or ziptie.") var task: String
        @Option(help: "Episodes.") var episodes = 5
        @Option(help: "Episode store folder.") var store: String
        @Option(help: "First seed.") var firstSeed: UInt64 = 0

        func validate() throws {
            try OptionLimits.check(episodes, 1...OptionLimits.episodes, "--episodes")
            guard ["pusht", "pin-insertion", "ziptie"].contains(task) else {
                throw ValidationError("--task must be pusht, pin-insertion or ziptie, got \(task)")
            }
        }

        func run() async throws {
            let recorder = try EpisodeStore(root: URL(fileURLWithPath: store))
            let station: Station, policy: any Policy, limit: Int
            switch task {
            case "pin-insertion":
                let parts = PinInsertionStation()
                let camera = try PinInsertionCamera(noise: PinInsertionRenderer.realisticNoise(seed: 7), clock: parts.clock) {
                    await parts.world.state
                }
                station = try Station(configuration: .init(name: "pin-record", task: "pin-insertion"), arms: [parts.arm],
                                      cameras: [camera], reward: parts.reward, reset: parts.reset, recorder: recorder,
                                      featureSources: [parts.world], clock: parts.clock)
                let research = PinResearchTask()
                policy = try research.policy(for: research.baseline)
                limit = research.episodeLimit
            case "ziptie":
                let parts = ZipTieStation()
                let cameras = try ZipTieCameras.make(world: parts.world, clock: parts.clock, noiseSeed: 21)
                station = try Station(configuration: .init(name: "ziptie-record", task: "ziptie"),
                                      arms: [parts.left, parts.cutter], cameras: cameras, reward: parts.reward,
                                      reset: parts.reset, recorder: recorder, featureSources: [parts.world],
                                      clock: parts.clock)
                let research = ZipTieResearchTask()
                policy = try research.policy(for: research.baseline)
                limit = research.episodeLimit
            default:
                station = try PushTSimulatedStation(name: "pusht-record", recorder: recorder,
                                                    cameraResolutions: [ImageSize(width: 96, height: 96)]).station
                policy = PushTHeuristicExpert()
                limit = PushTGeometry.maxEpisodeSteps
            }
            var successes = 0
            for index in 0..<episodes {
                let episode = try await station.runEpisode(policy: policy, seed: firstSeed + UInt64(index),
                                                           maxSteps: limit, stopOnSuccess: true)
                if episode.summary.verdict?.success == true { successes += 1 }
            }
            CommandOutput.current.line("recorded \(episodes) \(task) episodes (\(successes) judged successful by the station) into \(store)")
        }
    }

    /// `enpire dataset train-bc`.
    struct TrainBC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-bc",
            abstract: "Train behaviour cloning on every episode of a store (arm positions in, commanded targets out).")
        @Option(help: "Episode store folder.") var store: String
        @Option(help: "Checkpoint folder.") var output: String
        @Option(help: "Epochs.") var epochs = 50
        @Option(help: "Include these step features (comma-separated keys) in the observation.") var features = ""
        @Flag(help: "Print the metrics as JSON.") var json = false

        func validate() throws { try OptionLimits.check(epochs, 1...OptionLimits.iterations, "--epochs") }

        func run() async throws {
            let episodes = try EpisodeStore(root: URL(fileURLWithPath: store)).loadAll()
            guard !episodes.isEmpty else { throw CommandFailure("\(store) holds no sealed episodes") }
            let keys = features.split(separator: ",").map { String($0) }
            let configuration = BCConfiguration(
                observation: ObservationEncoding(featureKeys: keys, includeArmPositions: true),
                hiddenWidths: [64, 64], epochs: epochs, validationFraction: 0.2, progressEvery: 0)
            let outcome = try await BCTrainer(configuration: configuration,
                                              checkpointDirectory: URL(fileURLWithPath: output)).train(on: episodes)
            var metrics = outcome.metrics
            metrics["episodes"] = Double(episodes.count)
            if json { return try printJSON(metrics) }
            CommandOutput.current.line("behaviour cloning on \(episodes.count) episodes: " + metrics.sorted { $0.key < $1.key }
                .map { "\($0.key) \(String(format: "%.6g", $0.value))" }.joined(separator: ", "))
            CommandOutput.current.line("checkpoint: \(output)")
        }
    }
}

/// Prints a converter result.
private func report(_ result: [String: Any], json: Bool, verb: String, to destination: String) throws {
    if json {
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        CommandOutput.current.line(String(decoding: data, as: UTF8.self))
        return
    }
    CommandOutput.current.line("\(verb) \(result["episodes"] ?? "?") episodes, \(result["frames"] ?? "?") frames at \(result["fps"] ?? "?") fps: \(destination)")
}

/// Runs the embedded Enpire <-> LeRobot converter in a Python interpreter, forwarding its progress.
struct LeRobotConverter {
    /// The interpreter.
    let python: String

    /// Modules the converter imports.
    static let modules = ["numpy", "pyarrow", "av", "PIL", "pandas"]

    init(python: String?) {
        let environment = ProcessInfo.processInfo.environment
        if let python { self.python = python } else if let configured = environment["ENPIRE_PYTHON"] {
            self.python = configured
        } else if FileManager.default.isExecutableFile(atPath: ".venv/bin/python") {
            self.python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
        } else {
            self.python = "python3"
        }
    }

    /// Runs the converter with `arguments`; returns its result object.
    func run(_ arguments: [String], progress format: ProgressFormat) async throws -> [String: Any] {
        let output = format.output(since: Date())
        let logger = output.logger(label: "enpire.dataset")
        let resultLine = ResultLine()
        let command = ChildCommand(python, arguments: ["-c", LeRobotConverterScript.source] + arguments)
        let run: ChildProcessResult
        do {
            // Standard output is read line by line as the converter writes it (progress events, then the result);
            // both streams are drained together and only their ends are kept, so a chatty encoder cannot stall it.
            run = try await ChildProcess.run(command, outputLimit: 16 << 10) { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return }
                if object["event"] as? String == "progress", let phase = object["phase"] as? String,
                   let done = object["done"] as? Int {
                    let event = ProgressEvent(phase: phase, done: done, total: object["total"] as? Int,
                                              etaSeconds: object["eta_seconds"] as? Double)
                    if let events = output.events { events(event) } else {
                        logger.info("\(phase): \(done)/\(event.total.map(String.init) ?? "?") episodes, \(event.etaText)")
                    }
                } else if object["event"] as? String == "result" {
                    resultLine.set(line)
                }
            }
        } catch let error as ChildProcessError {
            throw CommandFailure("could not start \(python) (\(error)); give --python PATH or set ENPIRE_PYTHON")
        }
        let message = run.standardError
        guard run.succeeded, let line = resultLine.value,
              let result = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            if message.contains("ModuleNotFoundError") || message.contains("No module named") {
                throw CommandFailure("\(python) lacks a module the converter needs (\(Self.modules.joined(separator: ", "))): "
                    + "`source scripts/python-env.sh numpy pyarrow av pillow:PIL pandas`, then rerun "
                    + "(or give --python PATH); Python said: \(message.split(separator: "\n").last ?? "")")
            }
            throw CommandFailure("the LeRobot converter failed (exit \(run.status)): "
                + message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result
    }
}

/// The converter's result line, set from the output reader and read once it finished.
private final class ResultLine: @unchecked Sendable {
    private let lock = NSLock()
    private var line: String?

    func set(_ value: String) { lock.withLock { line = value } }
    var value: String? { lock.withLock { line } }
}
