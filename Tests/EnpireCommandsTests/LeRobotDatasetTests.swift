@testable import EnpireCommands
import Foundation
import Testing

/// `enpire dataset export|import|compare` through the embedded converter. Skipped cleanly when no Python with
/// numpy, pyarrow, av, Pillow and pandas is found (`source scripts/python-env.sh numpy pyarrow av pillow:PIL pandas`);
/// opening the export with LeRobot's own `LeRobotDataset` (slow: torch) runs with `ENPIRE_HEAVY=1` and lerobot in
/// the same interpreter.
@Suite("LeRobot dataset export and import", .serialized)
struct LeRobotDatasetTests {
    static let python = LeRobotConverter(python: nil).python

    static func imports(_ modules: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import " + modules.joined(separator: ", ")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static let converterAvailable = imports(LeRobotConverter.modules)
    static let heavy = ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1" && converterAvailable
        && imports(["lerobot"])

    static func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lerobot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Records 2 Push-T episodes into `folder/store` and exports them to `folder/dataset`.
    static func recordAndExport(in folder: URL) async throws -> (store: String, dataset: String, result: [String: Any]) {
        let store = folder.appendingPathComponent("store").path
        let dataset = folder.appendingPathComponent("dataset").path
        try await DatasetCommand.Record.parse(["--task", "pusht", "--episodes", "2", "--store", store]).run()
        let result = try await LeRobotConverter(python: nil).run(["export", store, dataset, "libx264", "18", ""], progress: .text)
        return (store, dataset, result)
    }

    @Test("Push-T episodes survive export and import: identical steps, sources, verdicts; frames above 35 dB PSNR",
          .enabled(if: converterAvailable))
    func roundTrip() async throws {
        let folder = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, dataset, exported) = try await Self.recordAndExport(in: folder)
        let back = folder.appendingPathComponent("back").path
        let converter = LeRobotConverter(python: nil)
        #expect(exported["episodes"] as? Int == 2)
        #expect(exported["fps"] as? Int == 10)
        let info = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dataset + "/meta/info.json"))) as? [String: Any]
        #expect(info?["codebase_version"] as? String == "v3.0")
        for path in ["meta/stats.json", "meta/tasks.parquet", "meta/episodes/chunk-000/file-000.parquet",
                     "data/chunk-000/file-000.parquet", "videos/observation.images.top/chunk-000/file-000.mp4"] {
            #expect(FileManager.default.fileExists(atPath: dataset + "/" + path), "\(path)")
        }
        _ = try await converter.run(["import", dataset, back, "90"], progress: .text)
        let compared = try await converter.run(["compare", store, back], progress: .text)
        #expect(compared["mismatched"] as? [String] == [])
        #expect(compared["episodes"] as? Int == 2)
        let psnr = try #require(compared["psnr_db"] as? Double)
        #expect(psnr > 35, "PSNR \(psnr) dB")
    }

    @Test("a store that is not one holds no episodes to export: a one-line error naming the folder",
          .enabled(if: converterAvailable))
    func emptyStore() async throws {
        let folder = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: CommandFailure.self) {
            try await LeRobotConverter(python: nil).run(["export", folder.path, folder.path + "/out", "libx264", "18", ""],
                                                  progress: .text)
        }
    }

    @Test("LeRobot 0.4.4's LeRobotDataset opens the export offline: shapes, fps, timestamps (ENPIRE_HEAVY=1)",
          .enabled(if: heavy))
    func lerobotOpensExport() async throws {
        let folder = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = try await Self.recordAndExport(in: folder).dataset
        let script = """
            import json, os, sys
            os.environ["HF_HUB_OFFLINE"] = "1"
            from lerobot.datasets.lerobot_dataset import LeRobotDataset
            ds = LeRobotDataset(repo_id="local/pusht", root=sys.argv[1], video_backend="pyav")
            bad = sum(abs(float(ds[i]["timestamp"]) - float(ds[i]["frame_index"]) / ds.fps) > 1e-4 for i in range(len(ds)))
            item = ds[0]
            print(json.dumps({"fps": ds.fps, "frames": len(ds), "episodes": ds.num_episodes, "bad": bad,
                              "image": list(item["observation.images.top"].shape),
                              "state": list(item["observation.state"].shape), "action": list(item["action"].shape)}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, "-c", script, dataset]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let result = try #require(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any])
        #expect(result["fps"] as? Int == 10)
        #expect(result["episodes"] as? Int == 2)
        #expect(result["bad"] as? Int == 0)
        #expect(result["image"] as? [Int] == [3, 96, 96])
        #expect(result["state"] as? [Int] == [2])
        #expect(result["action"] as? [Int] == [2])
    }

    @Test("a dataset LeRobot's own writer made imports, and Enpire's BC trains on it (ENPIRE_HEAVY=1)",
          .enabled(if: heavy))
    func importLeRobotWritten() async throws {
        let folder = try Self.temporary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = folder.appendingPathComponent("reach").path
        let store = folder.appendingPathComponent("store").path
        let checkpoint = folder.appendingPathComponent("bc").path
        // LeRobot's writer: 3 episodes of a 2-D reach (action = 0.8 x state), one 64x48 camera, AV1 video.
        let script = """
            import sys, numpy as np
            from lerobot.datasets.lerobot_dataset import LeRobotDataset
            features = {"observation.state": {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
                        "action": {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
                        "observation.images.top": {"dtype": "video", "shape": (48, 64, 3),
                                                   "names": ["height", "width", "channels"]}}
            ds = LeRobotDataset.create(repo_id="local/reach", fps=10, root=sys.argv[1], features=features,
                                       robot_type="toy", use_videos=True)
            rng = np.random.default_rng(0)
            for e in range(3):
                pos = rng.uniform(-1, 1, 2).astype(np.float32)
                for t in range(30):
                    act = (0.8 * pos).astype(np.float32)
                    img = np.zeros((48, 64, 3), np.uint8)
                    cx, cy = int(32 + 20 * pos[0]), int(24 + 15 * pos[1])
                    img[max(cy - 3, 0):cy + 3, max(cx - 3, 0):cx + 3] = 255
                    ds.add_frame({"observation.state": pos.copy(), "action": act, "observation.images.top": img,
                                  "task": "reach the origin"})
                    pos = act
                ds.save_episode()
            ds.finalize()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, "-c", script, dataset]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let imported = try await LeRobotConverter(python: nil).run(["import", dataset, store, "90"], progress: .text)
        #expect(imported["episodes"] as? Int == 3)
        #expect(imported["frames"] as? Int == 90)
        try await DatasetCommand.TrainBC.parse(["--store", store, "--output", checkpoint, "--epochs", "100"]).run()
        let model = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/policy.json"))) as? [String: Any]
        let metrics = try #require(model?["metrics"] as? [String: Double])
        #expect(metrics["examples"] == 90)
        // The action variance is about 0.03; a network that learned the map does far better.
        #expect(try #require(metrics["validation_mse"]) < 0.003)
    }
}
