import Enpire
import EnpireTesting
import Foundation
import Testing

@Suite("Episode store")
struct EpisodeStoreTests {
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("enpire-store-\(UUID().uuidString)")
    }

    private func metadata(_ id: String) -> EpisodeMetadata {
        EpisodeMetadata(id: id, task: "reach", station: "s", seed: 7, policy: "p", startedAtUnixSeconds: Date().timeIntervalSince1970,
                        arms: [MockArm.planar().specification], cameras: ["cam"])
    }

    private func step(_ index: Int) -> StepRecord {
        StepRecord(index: index, timeSeconds: Double(index) * 0.1, source: index % 2 == 0 ? .policy : .human,
                   arms: [RobotState(position: [0.1 * Double(index), 0.5], velocity: [0, 0])],
                   features: ["f": [Double(index), .pi]], requested: [.moveTo([0.9, 0.9])],
                   applied: [.moveTo([0.6, 0.6])], reward: 0.25, success: false)
    }

    @Test func readsBackExactlyWhatWasWritten() async throws {
        let store = try EpisodeStore(root: temporaryFolder())
        let recording = try await store.begin(metadata("e1"))
        let image = JPEGCodecTests.pattern(64, 48)
        for i in 0..<5 {
            try await recording.append(step(i), frames: [Frame(cameraName: "cam", timestampSeconds: Double(i), image: image)])
        }
        let summary = EpisodeSummary(metadata: metadata("e1"), status: .complete, stepCount: 5, durationSeconds: 0.5)
        try await recording.finish(summary)
        let loaded = try store.load("e1")
        #expect(loaded.steps == (0..<5).map(step))
        #expect(loaded.summary.status == .complete && loaded.summary.stepCount == 5)
        let frames = try store.frames(episode: "e1", camera: "cam")
        #expect(frames.map(\.stepIndex) == [0, 1, 2, 3, 4])
        // The last frame alone, read without the whole stream, is the same frame.
        #expect(try store.lastFrame(episode: "e1", camera: "cam") == frames.last)
        #expect(throws: EpisodeStoreError.self) { try store.lastFrame(episode: "e1", camera: "other") }
        let decoded = try JPEGCodec().decode(frames[3].jpeg)
        let error = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        #expect(Double(error) / Double(image.pixels.count) < 6)
        await #expect(throws: EpisodeStoreError.self) { try await recording.append(step(9), frames: []) }
    }

    @Test func recoveryDropsOnlyATornLastLine() async throws {
        let root = temporaryFolder()
        let store = try EpisodeStore(root: root)
        let sealed = try await store.begin(metadata("a"))
        try await sealed.append(step(0), frames: [])
        try await sealed.finish(EpisodeSummary(metadata: metadata("a"), status: .complete, stepCount: 1, durationSeconds: 0.1))
        let open = try await store.begin(metadata("b"))
        for i in 0..<3 { try await open.append(step(i), frames: []) }
        // A crash in the middle of a line: half a JSON object without its newline.
        let handle = try FileHandle(forWritingTo: root.appendingPathComponent("b/steps.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"index\":3,\"timeSe".utf8))
        try handle.close()

        let reopened = try EpisodeStore(root: root)
        #expect(try reopened.recoverIncomplete() == ["b"])
        let recovered = try reopened.load("b")
        #expect(recovered.summary.status == .incomplete)
        #expect(recovered.steps == (0..<3).map(step))
        #expect(try reopened.load("a").summary.status == .complete)
        #expect(try reopened.recoverIncomplete().isEmpty)
    }

    @Test func aCorruptLineInTheMiddleIsAnError() throws {
        let root = temporaryFolder()
        let store = try EpisodeStore(root: root)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("c"), withIntermediateDirectories: true)
        try JSONEncoder().encode(metadata("c")).write(to: root.appendingPathComponent("c/metadata.json"))
        try Data("{}\n{\"x\":1}\n".utf8).write(to: root.appendingPathComponent("c/steps.jsonl"))
        #expect(throws: EpisodeStoreError.self) { try store.load("c") }
        #expect(throws: EpisodeStoreError.self) { try store.load("missing") }
    }

    /// The crash test: a child process records episodes and is killed with SIGKILL mid-episode.
    @Test func sigkillMidEpisodeLosesNoFlushedStep() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("enpire")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "the enpire executable is built by `swift build --build-tests` next to the tests")
        let root = temporaryFolder()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["debug", "record", "--store", root.path, "--episodes", "50", "--camera", "64x64"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Read announcements until the third episode has flushed 40 steps, then kill without warning.
        var flushed: [String: Int] = [:]
        var order: [String] = []
        var buffer = Data()
        let handle = pipe.fileHandleForReading
        reading: while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[0] == "flushed", let index = Int(parts[2]) else { continue }
                let id = String(parts[1])
                if flushed[id] == nil { order.append(id) }
                flushed[id] = index + 1
                if order.count == 3, index + 1 >= 40 { break reading }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        try #require(order.count == 3, "the child never reached its third episode")

        let store = try EpisodeStore(root: root)
        let recovered = try store.recoverIncomplete()
        let killed = order[2]
        #expect(recovered == [killed])
        let episode = try store.load(killed)
        #expect(episode.summary.status == .incomplete)
        #expect(episode.steps.count >= flushed[killed]!, "announced \(flushed[killed]!) steps, recovered \(episode.steps.count)")
        #expect(episode.steps.map(\.index) == Array(0..<episode.steps.count))
        for earlier in order.prefix(2) {
            let intact = try store.load(earlier)
            #expect(intact.summary.status == .complete)
            #expect(intact.steps.count == flushed[earlier]! && intact.summary.stepCount == intact.steps.count)
            // One frame per step, plus the final observation's (listed under the step count).
            let frames = try store.frames(episode: earlier, camera: "top")
            #expect(frames.count == intact.steps.count + 1)
            #expect(frames.last?.stepIndex == intact.steps.count)
        }
    }
}
