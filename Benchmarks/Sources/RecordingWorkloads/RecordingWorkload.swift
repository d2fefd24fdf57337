import Enpire
import EnpireSim
import Foundation

/// A 2-camera 640x480 station's recording load: every step appends a step record and two camera frames
/// (rendered Push-T scenes with realistic camera noise, so JPEG sizes are those of real-looking frames).
public struct RecordingWorkload: Sendable {
    let frames: [[Frame]]
    let root: URL

    /// Pre-renders `distinctFrames` frame pairs (rendering is not part of what is measured).
    public init(distinctFrames: Int = 30) throws {
        let size = ImageSize(width: 640, height: 480)
        var left = try PushTRenderer(outputSize: size, noise: .realistic(seed: 1))
        var right = try PushTRenderer(outputSize: size, noise: .realistic(seed: 2))
        var pairs: [[Frame]] = []
        for i in 0..<distinctFrames {
            let state = PushTState(agentX: 100 + Double(i) * 5, agentY: 300, blockX: 200 + Double(i), blockY: 250,
                                   blockAngle: Double(i) * 0.05)
            pairs.append([
                Frame(cameraName: "left", timestampSeconds: Double(i) / 30, image: left.render(state, frameIndex: UInt64(i))),
                Frame(cameraName: "right", timestampSeconds: Double(i) / 30, image: right.render(state, frameIndex: UInt64(i))),
            ])
        }
        frames = pairs
        root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-recording-\(UUID().uuidString)")
    }

    /// Records one episode of `steps` steps into a fresh store; returns bytes written.
    @discardableResult
    public func run(steps: Int) async throws -> Int {
        let store = try EpisodeStore(root: root.appendingPathComponent(UUID().uuidString))
        let spec = ArmSpecification(name: "arm", axisNames: ["x", "y", "z"], lowerLimits: [-1, -1, 0],
                                    upperLimits: [1, 1, 1], controlRateHz: 30)
        let metadata = EpisodeMetadata(id: "bench", task: "bench", station: "bench", policy: "bench",
                                       startedAtUnixSeconds: 0, arms: [spec, spec], cameras: ["left", "right"])
        let recording = try await store.begin(metadata)
        for i in 0..<steps {
            let state = RobotState(position: [0.1, 0.2, 0.3], velocity: [0, 0, 0], timestampSeconds: Double(i) / 30)
            let step = StepRecord(index: i, timeSeconds: Double(i) / 30, source: .policy, arms: [state, state],
                                  requested: [.moveTo([0.1, 0.2, 0.3]), .moveTo([0.1, 0.2, 0.3])],
                                  applied: [.moveTo([0.1, 0.2, 0.3]), .moveTo([0.1, 0.2, 0.3])])
            try await recording.append(step, frames: frames[i % frames.count])
        }
        try await recording.finish(EpisodeSummary(metadata: metadata, status: .complete, stepCount: steps,
                                                  durationSeconds: Double(steps) / 30))
        let folder = store.root.appendingPathComponent("bench")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let bytesWritten = files.compactMap {
            (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent($0).path)[.size]) as? Int
        }.reduce(0, +)
        try? FileManager.default.removeItem(at: store.root)
        return bytesWritten
    }
}
