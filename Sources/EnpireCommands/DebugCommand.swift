import ArgumentParser
import Enpire
import EnpireSim
import EnpireTasks
import Foundation

/// `enpire debug ...`: tools for testing the library itself (crash tests, recording throughput).
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Tools for testing Enpire itself.", shouldDisplay: false,
        subcommands: [Record.self, RewardFramesDebug.self])

    /// Records expert Push-T episodes into an episode store, printing `flushed EPISODE STEP` after each step is
    /// in the kernel: the child process of the SIGKILL crash test, and a recording-throughput probe.
    struct Record: AsyncParsableCommand {
        @Option(help: "Episode store folder.") var store: String
        @Option(help: "Episodes to record.") var episodes = 3
        @Option(help: "Camera resolution WIDTHxHEIGHT (repeatable).") var camera: [String] = ["96x96"]
        @Flag(help: "fsync every step.") var sync = false
        @Option(help: "The first N episodes stop after 15 steps (failures, for calibration sets).") var failing = 0
        @Option(help: "Seed of realistic camera noise (default: a clean camera).") var noiseSeed: UInt64?
        @Option(help: "Also write the first camera's goal-marking reference frame (JPEG) here.") var reference: String?

        func validate() throws {
            try OptionLimits.check(episodes, 1...OptionLimits.episodes, "--episodes")
            try OptionLimits.check(failing, 0...OptionLimits.episodes, "--failing")
            _ = try sizes()
        }

        /// The camera sizes, each within the JPEG codec's limits (frames are recorded as JPEG).
        private func sizes() throws -> [ImageSize] {
            try camera.map { text -> ImageSize in
                let parts = text.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (1...JPEGCodec.maximumDimension).contains(parts[0]),
                      (1...JPEGCodec.maximumDimension).contains(parts[1]),
                      parts[0] * parts[1] <= JPEGCodec.maximumPixelCount else {
                    throw ValidationError("--camera must look like 640x480, at most \(JPEGCodec.maximumDimension) "
                        + "per side and \(JPEGCodec.maximumPixelCount) pixels, got \(text)")
                }
                return ImageSize(width: parts[0], height: parts[1])
            }
        }

        func run() async throws {
            let sizes = try sizes()
            let recorder = AnnouncingRecorder(store: try EpisodeStore(root: URL(fileURLWithPath: store), syncToDisk: sync))
            let noise = noiseSeed.map { CameraNoise.realistic(seed: $0) } ?? .none
            let station = try PushTSimulatedStation(name: "probe", recorder: recorder, cameraResolutions: sizes,
                                                    cameraNoise: noise)
            if let reference, let size = sizes.first {
                var renderer = try PushTRenderer(outputSize: size, noise: noise)
                let jpeg = try JPEGCodec().encode(renderer.render(PushTLabelledFrames.referenceState), quality: 90)
                try writeOutput(Data(jpeg), to: reference)
            }
            for index in 0..<episodes {
                _ = try await station.station.runEpisode(
                    policy: PushTHeuristicExpert(), seed: UInt64(index),
                    maxSteps: index < failing ? 15 : PushTGeometry.maxEpisodeSteps, stopOnSuccess: true, tags: [:])
                CommandOutput.current.line("sealed \(index)")
                fflush(nil)
            }
        }
    }
}

/// Wraps a store and prints a line once each step has been appended (the crash test reads these).
private struct AnnouncingRecorder: EpisodeRecorder {
    let store: EpisodeStore
    func begin(_ metadata: EpisodeMetadata) async throws -> any EpisodeRecording {
        Announcing(inner: try await store.begin(metadata), id: metadata.id)
    }

    struct Announcing: EpisodeRecording {
        let inner: any EpisodeRecording
        let id: String
        func append(_ step: StepRecord, frames: [Frame]) async throws {
            try await inner.append(step, frames: frames)
            CommandOutput.current.line("flushed \(id) \(step.index)")
            fflush(nil)
        }
        func appendFinalFrames(_ frames: [Frame], stepIndex: Int) async throws {
            try await inner.appendFinalFrames(frames, stepIndex: stepIndex)
        }
        func finish(_ summary: EpisodeSummary) async throws {
            try await inner.finish(summary)
        }
    }
}
