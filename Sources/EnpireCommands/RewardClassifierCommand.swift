import ArgumentParser
import Enpire
import EnpireLearning
import EnpireReward
import EnpireRewardLearning
import EnpireTasks
import Foundation

extension RewardCommand {
    /// `enpire reward train-classifier`: train, calibrate and freeze a learned success classifier from clips.
    struct TrainClassifier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-classifier",
            abstract: "Train a learned success classifier from labelled clips and freeze it.",
            discussion: """
                --clips DIR holds DIR/success/ and DIR/failure/; in each, an image (.jpg, .jpeg, .png) is a clip of \
                one frame and a sub-folder is a clip of several frames (a clip of the same name under both is one \
                clip). All frames come from one camera at one resolution. --generate N first fills an empty DIR \
                with N clips of the built-in simulator of --task (JPEG q90 from a noisy camera, labelled by the \
                simulator's ground truth) from seeds --seed, --seed+1, ... The clips are split by clip with a \
                seed; the network trains on one part and the threshold on P(success) is calibrated on the other \
                (a false positive costs --false-positive-cost false negatives). Writes classifier.json and \
                classifier.safetensors to --output and prints the training report and the identity (SHA-256 of \
                classifier.json) as JSON.
                """)
        @Option(help: """
            pusht, pin, ziptie, staging (clip-only: the T inside an unmarked staging area) or a lab's own name \
            (names the model; picks the default crop and the simulator of --generate).
            """)
        var task: String
        @Option(help: "Folder of labelled clips (DIR/success, DIR/failure).") var clips: String
        @Option(help: "Folder to write classifier.json and classifier.safetensors to.") var output: String
        @Option(help: "Fill --clips first with this many simulated clips (the folder must be empty or missing).")
        var generate: Int?
        @Option(help: "First seed of --generate.") var seed: UInt64 = 7_000_000
        @Option(help: """
            Frames per generated clip, evenly over the episode's second half, final last, each labelled by the \
            ground truth of its own step (Push-T and zip-tie; pin clips have one frame).
            """)
        var framesPerClip = 8
        @Flag(help: """
            Push-T: spread each generated clip's frames evenly over the whole episode instead of its second half \
            (the approach to the goal too, which a live reward judges frame by frame).
            """)
        var wholeEpisodes = false
        @Option(help: ArgumentHelp("""
            Labels of generated clips: ground-truth (every vote of the simulator's verdict), or camera (without the \
            votes a station reads from the arm, pin's force and zip-tie's tension: for a classifier that will be \
            AND-fused with that vote, which alone decides the failures a camera cannot see).
            """, valueName: "ground-truth|camera"))
        var labels: ClipLabels = .groundTruth
        @Option(help: "Camera name the reward will judge (default: the task's camera).") var camera: String?
        @Option(help: "Crop x,y,width,height in frame pixels (default: the task's region; 'full' for the whole frame).")
        var crop: String?
        @Option(help: "Side of the square network input in pixels.") var inputSize = 64
        @Option(help: "Training epochs.") var epochs = ClassifierRecipe().epochs
        @Option(help: "Output channels of each stride-2 convolution stage, comma-separated.")
        var channels = ClassifierRecipe().channels.map(String.init).joined(separator: ",")
        @Option(help: "Encoder output width before the 2-class head.") var features = ClassifierRecipe().features
        @Option(help: ArgumentHelp("How the last feature maps become the encoder's vector: where features are "
                                       + "(spatialSoftmax), their mean (globalAverage), whether they are present "
                                       + "anywhere (globalMax), or none: a linear layer over every value of the "
                                       + "maps (linearReadout).", valueName: "pooling"))
        var pooling = ClassifierRecipe().pooling.rawValue
        @Flag(help: """
            Also train on flipped and transposed examples (for tasks whose success looks the same in any \
            orientation; not Push-T, judged against a fixed goal pose).
            """)
        var symmetries = false
        @Option(help: "Largest random shift (DrQ) in input pixels during training.")
        var randomShift = ClassifierRecipe().randomShift
        @Option(help: "Seed of weights, split, batches and augmentation.") var trainingSeed: UInt64 = 0
        @Option(help: """
            Cross-fitting folds: 1 trains one network and calibrates on held-out clips; K (2...10) trains K \
            networks, each on all folds but one, calibrates on every clip's out-of-fold score and judges with their \
            mean (K times the training time and the per-frame network time).
            """)
        var folds = ClassifierRecipe().folds
        @Flag(help: """
            With --folds K ≥ 2: calibrate the threshold on the K networks' out-of-fold scores, then train one more \
            network on every clip and judge with it alone (K + 1 times the training time, one network per frame).
            """)
        var refit = false
        @Option(help: """
            With --refit: the share of the refit network's training target taken from the fold networks' mean \
            P(success) on the same example (distillation; 0: the labels alone).
            """)
        var distillation = ClassifierRecipe().distillation
        @Option(help: "Decoupled weight decay (AdamW) per unit of learning rate; 0 is plain Adam.")
        var weightDecay = ClassifierRecipe().weightDecay
        @Option(help: "Cost of a false positive in false negatives when the threshold is picked.")
        var falsePositiveCost = ClassifierRecipe().falsePositiveCost
        @Option(help: "Worker threads for --generate.") var workers = 2
        @Option(help: ArgumentHelp("Progress on standard error: text lines, or json (one JSON object per line).",
                                   valueName: "text|json"))
        var progress: ProgressFormat = .text

        func validate() throws {
            guard ClassifierSimulatedEpisodes.tasks.contains(task) || generate == nil else {
                throw ValidationError("--generate needs --task pusht, pin, ziptie or staging")
            }
            if let generate, !(2...10_000).contains(generate) { throw ValidationError("--generate must be 2...10000") }
            guard (1...64).contains(framesPerClip) else { throw ValidationError("--frames-per-clip must be 1...64") }
            guard !wholeEpisodes || (task == "pusht" && generate != nil) else {
                throw ValidationError("--whole-episodes is for generating Push-T clips (--task pusht --generate N)")
            }
            guard (1...16).contains(workers) else { throw ValidationError("--workers must be 1...16") }
            guard (1...10).contains(folds) else { throw ValidationError("--folds must be 1...10") }
            guard !refit || folds >= 2 else { throw ValidationError("--refit needs --folds 2 or more") }
            guard (0...1).contains(distillation), distillation == 0 || refit else {
                throw ValidationError("--distillation must be in 0...1 and needs --refit")
            }
            guard (0...10).contains(weightDecay) else { throw ValidationError("--weight-decay must be in 0...10") }
            guard ConvEncoderSpecification.Pooling(rawValue: pooling) != nil else {
                let names = ConvEncoderSpecification.Pooling.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--pooling must be one of \(names)")
            }
        }

        func run() async throws {
            let cameraName = camera ?? ClassifierSimulatedEpisodes.defaultCamera(task)
            let folder = URL(fileURLWithPath: clips)
            if let generate {
                try ClassifierClipWriter.generate(task: task, camera: cameraName, count: generate, seed: seed,
                                                  framesPerClip: framesPerClip, workers: workers,
                                                  labelIgnoring: labels == .camera ? ClassifierSimulatedEpisodes.armVotes : [],
                                                  wholeEpisode: wholeEpisodes, into: folder)
            }
            let region = try Self.region(crop, task: task, camera: cameraName)
            let contents: LabelledClips.Contents
            do {
                contents = try LabelledClips.load(from: folder, region: region, side: inputSize)
            } catch {
                throw CommandFailure("\(error)")
            }
            var recipe = ClassifierRecipe()
            recipe.epochs = epochs
            recipe.channels = channels.split(separator: ",").compactMap { Int($0) }
            recipe.features = features
            recipe.symmetries = symmetries
            recipe.folds = folds
            recipe.refit = refit
            recipe.distillation = distillation
            recipe.pooling = ConvEncoderSpecification.Pooling(rawValue: pooling) ?? recipe.pooling
            recipe.randomShift = randomShift
            recipe.weightDecay = weightDecay
            recipe.seed = trainingSeed
            recipe.falsePositiveCost = falsePositiveCost
            let trained: (classifier: SuccessClassifier, report: ClassifierTrainer.Report)
            do {
                trained = try ClassifierTrainer(recipe: recipe).train(contents.examples, input: contents.input,
                                                                      logger: progress.output(since: Date())
                                                                          .logger(label: "enpire.reward.classifier"))
            } catch {
                throw CommandFailure("\(error)")
            }
            let model = try ClassifierModel.freeze(trained.classifier, report: trained.report, task: task,
                                                   cameraName: cameraName, to: URL(fileURLWithPath: output))
            struct Summary: Encodable {
                var output: String, identity: String, clips: Int, successFrames: Int, failureFrames: Int
                var crop: RegionOfInterest, inputSize: Int, parameters: Int
                var report: ClassifierTrainer.Report
            }
            let summary = Summary(output: output, identity: model.identity, clips: contents.clips,
                                  successFrames: contents.successFrames, failureFrames: contents.failureFrames,
                                  crop: contents.input.region, inputSize: inputSize,
                                  parameters: trained.classifier.network.parameterCount, report: trained.report)
            try printPrettyJSON(summary)
        }

        /// The crop for `text` ("x,y,w,h", "full", or nil for the task's default).
        static func region(_ text: String?, task: String, camera: String) throws -> RegionOfInterest? {
            guard let text else { return defaultRegion(task, camera: camera) }
            if text == "full" { return nil }
            let parts = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 4, parts[2] > 0, parts[3] > 0 else {
                throw CommandFailure("--crop must be x,y,width,height in pixels (or 'full'), not '\(text)'")
            }
            return RegionOfInterest(x: parts[0], y: parts[1], width: parts[2], height: parts[3])
        }

        /// The built-in tasks' crops for their cameras (nil: the whole frame).
        static func defaultRegion(_ task: String, camera: String) -> RegionOfInterest? {
            switch task {
            // gym-pusht's goal T sits at the centre of the 640x480 view (world (256, 256), 0.9375 px per unit): a
            // 224-pixel square around it holds the goal T and the block wherever it covers the goal.
            case "pusht": return RegionOfInterest(x: 208, y: 128, width: 224, height: 224)
            case "staging": return ClassifierStagingEpisodes.region()
            // The zip-tie top camera: the red cut mark spans pixels x 168-425, y 98-392 over 3,400 generated
            // frames; a 320-pixel square holds it wherever the seed puts the anchor (Docs/Reward.md).
            case "ziptie" where camera == "top": return RegionOfInterest(x: 140, y: 90, width: 320, height: 320)
            default: return nil
            }
        }
    }
}

/// How `train-classifier --generate` labels its clips.
enum ClipLabels: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Every vote of the simulator's verdict.
    case groundTruth = "ground-truth"
    /// Without the votes a station reads from the arm (pin: force; zip-tie: tension).
    case camera
}
