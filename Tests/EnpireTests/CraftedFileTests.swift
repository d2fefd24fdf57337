import Enpire
import EnpireTesting
import Foundation
import Synchronization
import Testing

/// Issue 17, class 6: crafted files are refused or skipped, never a trap or an allocation the file dictates.
@Suite("Crafted files")
struct CraftedFileTests {
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("enpire-crafted-\(UUID().uuidString)")
    }

    @Test func frameIndexOffsetNearIntMaxIsSkippedNotATrap() async throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try EpisodeStore(root: root)
        let metadata = EpisodeMetadata(id: "e1", task: "t", station: "s", seed: 1, policy: "p",
                                       startedAtUnixSeconds: 0, arms: [], cameras: ["cam"])
        let recording = try await store.begin(metadata)
        try await recording.append(StepRecord(index: 0, timeSeconds: 0, source: .policy, arms: [], requested: [], applied: []),
                                   frames: [Frame(cameraName: "cam", timestampSeconds: 0, image: JPEGCodecTests.pattern(16, 16))])
        let index = root.appendingPathComponent("e1/cam.index.jsonl")
        let handle = try FileHandle(forWritingTo: index)
        try handle.seekToEnd()
        for offset in [Int.max - 10, Int.max, 5] {
            try handle.write(contentsOf: Data("{\"step\":1,\"time\":1,\"offset\":\(offset),\"length\":\(Int.max - 20)}\n".utf8))
        }
        try handle.close()
        #expect(try store.frames(episode: "e1", camera: "cam").map(\.stepIndex) == [0])
        // The last entries point past the stream (or past Int.max): the last frame is the last complete one.
        #expect(try store.lastFrame(episode: "e1", camera: "cam")?.stepIndex == 0)
    }

    @Test func jpegHeaderBeyondTheLimitsIsRefusedBeforeAllocating() throws {
        let codec = try JPEGCodec()
        let small = try codec.encode(JPEGCodecTests.pattern(32, 16))
        let huge = try CraftedJPEG.claiming(width: 60_000, height: 60_000, small)
        #expect(throws: JPEGError.tooLarge(width: 60_000, height: 60_000)) { _ = try codec.decodedSize(of: huge) }
        let before = ProcessMemory.peakResidentBytes()
        var image = RGBImage(size: ImageSize(width: 1, height: 1))
        #expect(throws: JPEGError.self) { try codec.decode(huge, into: &image) }
        #expect(ProcessMemory.peakResidentBytes() - before < 1 << 31, "the 10.8 GB the header claims must never be allocated")
        // Within the limits, a size other than the expected one is refused from the header too.
        #expect(throws: JPEGError.unexpectedSize(ImageSize(width: 32, height: 16), expected: ImageSize(width: 64, height: 48))) {
            try codec.decode(small, into: &image, expected: ImageSize(width: 64, height: 48))
        }
    }

    @Test func errorsRenderAsOneLineWithoutDumps() throws {
        let missing = CocoaError(.fileNoSuchFile, userInfo: [
            NSFilePathErrorKey: "/x/y", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOENT))])
        #expect(ErrorMessage.oneLine(missing) == "/x/y: No such file or directory")
        let torn = Data(#"{"a": [1,"#.utf8)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode([String: [Int]].self, from: torn) }
        do { _ = try JSONDecoder().decode([String: [Int]].self, from: torn) } catch {
            let line = ErrorMessage.oneLine(error)
            #expect(!line.contains("Domain=") && !line.contains("\n") && !line.contains("Context("), "\(line)")
        }
        #expect(ErrorMessage.oneLine(EpisodeStoreError.noSuchEpisode("e")) == EpisodeStoreError.noSuchEpisode("e").description)
    }

    @Test func safeFileReadRefusesOversizedAndSpecialFiles() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("f")
        try Data(repeating: 7, count: 100).write(to: file)
        #expect(try SafeFile.read(file, limit: 100).count == 100)
        #expect(throws: SafeFileError.tooLarge(path: file.path, limit: 99)) { _ = try SafeFile.read(file, limit: 99) }
        #expect(throws: SafeFileError.notRegularFile(path: "/dev/zero", kind: "character device")) {
            _ = try SafeFile.read(URL(fileURLWithPath: "/dev/zero"), limit: 1 << 20)
        }
        #expect(throws: SafeFileError.self) { _ = try SafeFile.read(folder.appendingPathComponent("missing"), limit: 1) }
    }
}

/// Issue 17, class 7: one-line messages, exit 1 for runtime errors and 64 for usage errors, and `--output`
/// written through symbolic links but never over devices or FIFOs (through the built `enpire`).
@Suite("CLI errors and outputs")
struct CLIErrorTests {
    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-cli-errors-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private static let rewardModel = #"""
        {"kind": "enpire.reward.pusht-camera.v3", "cameraName": "top", "resolution": {"width": 640, "height": 480},
         "threshold": 0.95, "boundaryMargin": 0.006, "minimumArenaFraction": 0.15, "confirmationFrames": 3}
        """#

    /// Runs `enpire` and kills it after `seconds` (status -1 then): an option that sizes an allocation must be
    /// refused at once, not after the machine runs out of memory.
    private func enpire(_ arguments: [String], in folder: URL, seconds: Double = 30) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = AgentLoopTests.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let output = folder.appendingPathComponent("output-\(UUID()).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let pid = process.processIdentifier
        // (finished, killed): the deadline kills only a child this test has not yet seen exit.
        let state = Mutex((false, false))
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            state.withLock { if !$0.0 { $0.1 = kill(pid, SIGKILL) == 0 } }
        }
        process.waitUntilExit()
        let killed = state.withLock { $0.0 = true; return $0.1 }
        try handle.close()
        let status = killed ? -1 : process.terminationStatus
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test func countOptionsThatSizeAllocationsAreUsageErrors() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path))
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs = [
            ["init", "--workspace", "ws", "--held-out", "2000000000"],
            ["sim", "expert", "--seeds", "1000000000000"],
            ["main", "--bc-chunk", "100000000", "--output", "out"],
            ["debug", "record", "--store", "s", "--camera", "60000x60000"],
        ]
        for arguments in runs {
            let run = try enpire(arguments, in: folder)
            #expect(run.status == 64, "\(arguments): \(run.output)")
            #expect(run.output.hasPrefix("Error: ") && run.output.contains("must"), "\(arguments): \(run.output)")
        }
    }

    private static let oneCase = #"[{"initial_state": [100, 100, 200, 200, 0], "actions": [[110, 120]]}]"#

    @Test func missingFilesAreRuntimeErrorsOnOneLine() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path))
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"kind": "enpire.reward.pusht-camera.v3", "threshold": "#.utf8).write(to: folder.appendingPathComponent("torn.json"))
        try Data(Self.rewardModel.utf8).write(to: folder.appendingPathComponent("reward.json"))
        let runs = [
            ["sim", "replay", "--input", "missing.json"],
            ["reward", "eval", "--model", "missing.json", "--frame", "missing.jpg"],
            ["reward", "eval", "--model", "torn.json", "--frame", "missing.jpg"],
            ["reward", "eval", "--model", "reward.json", "--frame", "missing.jpg"],
            ["reward", "eval", "--model", "reward.json", "--episodes", "no-such-store"],
            ["init", "--workspace", "/proc/no-such-folder/ws"],
        ]
        for arguments in runs {
            let run = try AgentLoopTests.enpire(arguments, in: folder)
            #expect(run.status == 1, "\(arguments): \(run.output)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasPrefix("Error: ") == true, "\(arguments): \(run.output)")
            for dump in ["Domain=", "UserInfo", "Context(", "codingPath"] {
                #expect(!run.output.contains(dump), "\(arguments): \(run.output)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("no-such-store").path),
                "a read-only command must not create the store it was asked to read")
        // A usage error stays 64.
        #expect(try AgentLoopTests.enpire(["reward", "eval", "--model", "torn.json"], in: folder).status == 64)
    }

    @Test func outputGoesThroughSymlinksAndNeverOverSpecialFiles() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path))
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.oneCase.utf8).write(to: folder.appendingPathComponent("cases.json"))
        let target = folder.appendingPathComponent("target.json")
        try Data("old".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.json").path,
                                                   withDestinationPath: "target.json")
        let linked = try AgentLoopTests.enpire(["sim", "replay", "--input", "cases.json", "--output", "link.json"], in: folder)
        #expect(linked.status == 0, "\(linked.output)")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("link.json").path)
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink, "the link must stay a link")
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("[[{"), "the link's target holds the output")

        let fifo = folder.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let refused = try AgentLoopTests.enpire(["sim", "replay", "--input", "cases.json", "--output", "fifo"], in: folder)
        #expect(refused.status == 1 && refused.output.contains("not a regular file"), "\(refused.output)")
        let fifoType = try FileManager.default.attributesOfItem(atPath: fifo.path)[.type] as? FileAttributeType
        #expect(fifoType != .typeRegular, "the FIFO must not be replaced by a file")
    }
}
