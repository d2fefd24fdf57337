import Enpire
import EnpireReward
import Foundation

/// Fills a clips folder (`DIR/success/<clip>/`, `DIR/failure/<clip>/`) from a built-in simulator, for
/// `enpire reward train-classifier --generate`.
enum ClassifierClipWriter {
    /// Writes `count` simulated clips of `task` from seeds `seed`, `seed+1`, ... into `folder`, which must be
    /// missing or empty. Each frame goes under the folder of its own ground-truth label (less the votes in
    /// `labelIgnoring`), as `<clip>/fNN.jpg`. With `wholeEpisode` (Push-T), a clip's frames span the whole episode.
    static func generate(task: String, camera: String, count: Int, seed: UInt64, framesPerClip: Int, workers: Int,
                         labelIgnoring: Set<String> = [], wholeEpisode: Bool = false, into folder: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.path) {
            let existing = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            guard existing.filter({ !$0.hasPrefix(".") }).isEmpty else {
                throw CommandFailure("\(folder.path) is not empty; --generate writes only into a new or empty folder")
            }
        }
        for name in ["success", "failure"] {
            try manager.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let source = ClassifierSimulatedEpisodes(task: task, camera: camera,
                                                 framesPerEpisode: task == "pin" ? 1 : framesPerClip,
                                                 labelIgnoring: labelIgnoring, wholeEpisode: wholeEpisode)
        let episodes: [ClassifierSimulatedEpisodes.Episode]
        do {
            episodes = try ParallelEpisodes.run(count: count, workers: workers,
                                                makeWorker: { _ in try ClassifierSimulatedEpisodes.Worker(pushTModel: nil) },
                                                body: { worker, index in
                                                    try source.episode(seed: seed + UInt64(index), worker: worker,
                                                                       analyse: false)
                                                })
        } catch {
            throw CommandFailure("generating clips failed: \(error)")
        }
        for episode in episodes {
            let clip = String(format: "%@-%llu", task, episode.seed)
            for (index, labelled) in episode.frames.enumerated() {
                guard let jpeg = labelled.frame.jpeg else { continue }
                let classFolder = folder.appendingPathComponent(labelled.success ? "success" : "failure")
                    .appendingPathComponent(clip)
                try manager.createDirectory(at: classFolder, withIntermediateDirectories: true)
                try Data(jpeg).write(to: classFolder.appendingPathComponent(String(format: "f%02d.jpg", index)))
            }
        }
    }
}
