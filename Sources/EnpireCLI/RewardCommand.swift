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

        func validate() throws {
            guard (10...10_000).contains(clips), (1...100_000).contains(heldOut) else {
                throw ValidationError("--clips must be 10...10000 and --held-out 1...100000")
            }
        }

        func run() async throws {
            let study = PushTRewardStudy(clips: clips, heldOut: heldOut, calibrationSeed: calibrationSeed,
                                         heldOutSeed: heldOutSeed)
            let result = try study.run { done in
                FileHandle.standardError.write(Data("judged \(done)/\(heldOut) held-out frames\n".utf8))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(result)
            if let output { try data.write(to: URL(fileURLWithPath: output), options: .atomic) }
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
