import Foundation
import Testing

/// `enpire reward calibrate` and `enpire reward eval` on a small recorded episode store (the verifier contract).
@Suite struct RewardCommandTests {
    @Test func calibrateFreezesAndEvalPrintsOneVerdictPerEpisode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-reward-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 5 episodes cut after 15 steps (failures) and 5 expert episodes (successes), one noisy 320x240 camera.
        let record = try AgentLoopTests.enpire(
            ["debug", "record", "--store", "store", "--episodes", "10", "--failing", "5", "--camera", "320x240",
             "--noise-seed", "5", "--reference", "reference.jpg"], in: folder)
        #expect(record.status == 0, "\(record.output)")
        let calibrate = try AgentLoopTests.enpire(
            ["reward", "calibrate", "--episodes", "store", "--reference", "reference.jpg", "--output", "reward.json"],
            in: folder)
        #expect(calibrate.status == 0, "\(calibrate.output)")
        let fit = try #require(try JSONSerialization.jsonObject(with: Data(calibrate.output.utf8)) as? [String: Any])
        let identity = try #require(fit["identity"] as? String)
        #expect(fit["clips"] as? Int == 10)
        #expect((fit["threshold"] as? Double).map { abs($0 - 0.95) <= 0.03 } == true)

        let eval = try AgentLoopTests.enpire(
            ["reward", "eval", "--model", "reward.json", "--expect-hash", identity, "--episodes", "store"], in: folder)
        #expect(eval.status == 0, "\(eval.output)")
        let lines = eval.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0["success"] is Bool && $0["score"] is Double && $0["episode"] is String })
        // The 15-step episodes never come close to the goal: judged failures.
        #expect(lines.filter { ($0["success"] as? Bool) == true }.count <= 5)

        // A changed reward file is refused; a garbage frame is judged unknown, never a success.
        let refused = try AgentLoopTests.enpire(
            ["reward", "eval", "--model", "reward.json", "--expect-hash", String(repeating: "0", count: 64),
             "--episodes", "store"], in: folder)
        #expect(refused.status != 0 && refused.output.contains("SHA-256"))
        try Data([0xFF, 0xD8, 0, 1, 2, 3]).write(to: folder.appendingPathComponent("garbage.jpg"))
        let garbage = try AgentLoopTests.enpire(["reward", "eval", "--model", "reward.json", "--frame", "garbage.jpg"],
                                                in: folder)
        #expect(garbage.status == 0)
        #expect(garbage.output.contains("\"status\":\"unknown\"") && garbage.output.contains("\"success\":false"))
    }
}
