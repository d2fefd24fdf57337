import ArgumentParser
import Enpire
import EnpireReward
import EnpireSim
import EnpireTasks
import Foundation

/// `enpire reward ...`: calibrate, freeze and run camera rewards.
struct RewardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Calibrate, freeze and run camera-based rewards.",
        subcommands: [Study.self])

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

        func validate() throws {
            guard (10...10_000).contains(clips), (1...100_000).contains(heldOut) else {
                throw ValidationError("--clips must be 10...10000 and --held-out 1...100000")
            }
            guard (0.95...0.995).contains(expertTarget) else { throw ValidationError("--expert-target must be 0.95...0.995") }
            if let episodes, !(1...100_000).contains(episodes) { throw ValidationError("--episodes must be 1...100000") }
        }

        func run() async throws {
            var study = PushTRewardStudy(clips: clips, heldOut: heldOut, calibrationSeed: calibrationSeed,
                                         heldOutSeed: heldOutSeed)
            if let margin { study.safetyMargin = margin }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data: Data
            if let episodes {
                let report = try study.calibrate()
                let total = episodes
                let result = try study.runEpisodes(episodes, seed: episodeSeed, model: report.model,
                                                   expertTarget: expertTarget) { done in
                    if done % 50 == 0 || done == total {
                        FileHandle.standardError.write(Data("episodes \(done)/\(total)\n".utf8))
                    }
                }
                data = try encoder.encode(result)
            } else {
                let result = try study.run { done in
                    FileHandle.standardError.write(Data("judged \(done)/\(heldOut) held-out frames\n".utf8))
                }
                data = try encoder.encode(result)
            }
            if let output { try data.write(to: URL(fileURLWithPath: output), options: .atomic) }
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
