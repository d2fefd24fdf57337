import Enpire
@testable import EnpireResearch
import EnpireMCP
import Foundation
import MCP
import Testing

/// The tools that read a trial's recorded episodes, the emergency stop, health, sealed held-out seeds and the
/// commit a trial ran on.
@Suite("StationMCPServer evidence, e-stop and held-out sealing", .serialized)
struct StationEvidenceToolTests {
    @Test("episodes and frames: one summary per development episode, the latest frame of the camera as a PNG image")
    func episodesAndFrames() async throws {
        let station = try await ServedStation.start()
        let trial = try station.json(try await station.call("run_trial", ["hypothesis": "baseline"]).text)
        let id = try #require(trial["id"] as? String)

        let episodes = try station.json(try await station.call("episodes", ["id": .string(id)]).text)
        let list = try #require(episodes["episodes"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["seed"] as? Int == 0 && list.first?["steps"] as? Int ?? 0 > 0, "\(list)")

        let (content, isError) = try await station.client.callTool(name: "frames", arguments: ["id": .string(id)])
        #expect(isError != true, "\(ServedStation.text(content))")
        let images = content.compactMap { item -> (String, String)? in
            if case .image(let data, let mimeType, _, _) = item { return (data, mimeType) }
            return nil
        }
        #expect(images.count == 1)
        let (base64, mimeType) = try #require(images.first)
        #expect(mimeType == "image/png")
        let png = [UInt8](try #require(Data(base64Encoded: base64)))
        #expect(png.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR width and height: the 96 x 96 recording camera.
        #expect(png[16..<24] == [0, 0, 0, 96, 0, 0, 0, 96])
        #expect(ServedStation.text(content).contains("trial \(id), episode 0 (seed 0)"))

        let noEpisode = try await station.call("frames", ["id": .string(id), "episode": 5])
        #expect(noEpisode.isError && noEpisode.text.contains("no frames for episode 5"), "\(noEpisode.text)")
        let badEpisode = try await station.call("frames", ["id": .string(id), "episode": "last"])
        #expect(badEpisode.isError && badEpisode.text.contains("'episode' must be an integer"), "\(badEpisode.text)")
        for unknown in ["mcp-1-9", "../station.operator", ""] {
            let answer = try await station.call("episodes", ["id": .string(unknown)])
            #expect(answer.isError, "\(unknown): \(answer.text)")
        }
        let missing = try await station.call("frames", [:])
        #expect(missing.isError && missing.text.contains("argument 'id'"), "\(missing.text)")
        // Decided trials keep their evidence.
        #expect(try await station.call("revert", ["id": .string(id)]).isError == false)
        #expect(try await station.call("episodes", ["id": .string(id)]).isError == false)
        try await station.stop()
    }

    @Test("estop latches: health says so, run_trial is a tool error naming the stop, no trial budget is spent")
    func emergencyStop() async throws {
        let station = try await ServedStation.start(trials: 1)
        let before = try station.json(try await station.call("health").text)
        #expect(before["emergencyStopLatched"] as? Bool == false && before["frozenCriteriaIntact"] as? Bool == true)

        let stop = try await station.call("estop", ["reason": "gripper smoking"])
        #expect(!stop.isError, "\(stop.text)")
        let after = try station.json(try await station.call("health").text)
        #expect(after["emergencyStopLatched"] as? Bool == true)
        #expect((after["emergencyStopReason"] as? String)?.contains("gripper smoking") == true)
        let refused = try await station.call("run_trial", ["hypothesis": "try anyway"])
        #expect(refused.isError && refused.text.contains("emergency stop is latched (MCP client: gripper smoking)"),
                "\(refused.text)")
        let badReason = try await station.call("estop", ["reason": 3])
        #expect(!badReason.isError, "a non-text reason still latches (the first reason stays): \(badReason.text)")
        // Still answering; the operator clears the stop and the unspent trial runs.
        #expect(try station.json(try await station.call("status").text)["remainingTrials"] as? Int == 1)
        try station.server.workspace.clearEmergencyStop()
        let ran = try await station.call("run_trial", ["hypothesis": "after the operator cleared it"])
        #expect(!ran.isError, "\(ran.text)")
        try await station.stop()
    }

    @Test("an e-stop latched while a trial runs ends it before its next episode; over MCP the stop is a tool error")
    func emergencyStopWhileRunning() async throws {
        // The mechanism, deterministically: the stop is latched from the trial's own per-episode callback (which the
        // trial awaits), so the race with a loaded machine's scheduling is gone.
        let episodes = 6
        let station = try await ServedStation.start(episodesPerTrial: episodes)
        let workspace = station.server.workspace
        let recorded = workspace.operatorFolder.appendingPathComponent("trials/mcp-1-1")
        let finished = {
            ((try? FileManager.default.contentsOfDirectory(atPath: recorded.path)) ?? []).filter { $0.hasSuffix(".json") }.count
        }
        await #expect(throws: ResearchWorkspace.WorkspaceError.self) {
            _ = try await workspace.runTrial(recipe: [:], hypothesis: "long trial", episodes: { done, _, _ in
                if done == 2 { try? workspace.latchEmergencyStop(reason: "hand in the cell") }
            })
        }
        #expect(finished() == 2, "\(finished()) episodes recorded; the stop latched after the second")
        // Over MCP: the latched stop refuses the next trial with a tool error naming it, and nothing is left pending.
        let answer = try await station.call("run_trial", ["hypothesis": "after the stop"])
        #expect(answer.isError && answer.text.contains("emergency stop is latched") && answer.text.contains("hand in the cell"),
                "\(answer.text)")
        let status = try station.json(try await station.call("status").text)
        #expect((status["pending"] as? [Any])?.isEmpty == true)
        try await station.stop()
    }

    @Test("no tool answer or resource contains a held-out seed or the secret, and evaluations have no episodes to read")
    func heldOutSeedsUnreachable() async throws {
        let station = try await ServedStation.start(trials: 2, evaluationLimit: 1)
        let workspace = station.server.workspace
        let id = try #require(try station.json(try await station.call("run_trial", ["hypothesis": "baseline"]).text)["id"] as? String)
        #expect(try await station.call("keep", ["id": .string(id)]).isError == false)
        _ = try await workspace.evaluateBest()
        let state = try workspace.readState()
        let heldOut = ResearchWorkspace.heldOutSeeds(secret: state.heldOutSecret, count: state.heldOutCount, excluding: [0])
        #expect(heldOut.count == 1)

        var answers: [String] = []
        for tool in ["tasks", "status", "health", "ledger"] { answers.append(try await station.call(tool).text) }
        for tool in ["episodes", "frames"] {
            answers.append(try await station.call(tool, ["id": .string(id)]).text)
            let evaluation = try await station.call(tool, ["id": "mcp-1-eval-1"])
            #expect(evaluation.isError && evaluation.text.contains("no trial 'mcp-1-eval-1'"), "\(evaluation.text)")
        }
        for uri in ["enpire://brief", "enpire://criteria", "enpire://ledger"] {
            answers.append(try await station.client.readResource(uri: uri).compactMap(\.text).joined())
        }
        let all = answers.joined(separator: "\n")
        #expect(all.contains("mcp-1-eval-1"), "the evaluation's aggregate is in the ledger")
        for seed in heldOut { #expect(!all.contains(String(seed)), "held-out seed \(seed) leaked") }
        #expect(!all.contains(state.heldOutSecret))
        try await station.stop()
    }

    @Test("parentCommit: the work tree's HEAD on every record of a workspace in a Git repository, nil outside one")
    func parentCommit() async throws {
        var head = ""
        let station = try await ServedStation.start(trials: 2) { folder in
            try Self.git(["init", "-q"], in: folder)
            try Self.git(["add", "-A"], in: folder)
            try Self.git(["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "policy code"], in: folder)
            head = try Self.git(["rev-parse", "HEAD"], in: folder).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(head.count == 40)
        let first = try #require(try station.json(try await station.call("run_trial", ["hypothesis": "a"]).text)["id"] as? String)
        let kept = try station.json(try await station.call("keep", ["id": .string(first)]).text)
        #expect(kept["parentCommit"] as? String == head)
        // A new commit: the next trial records it.
        try "// tweak\n".write(to: station.folder.appendingPathComponent("policy.swift"), atomically: true, encoding: .utf8)
        try Self.git(["add", "policy.swift"], in: station.folder)
        try Self.git(["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "tweak"], in: station.folder)
        let second = try Self.git(["rev-parse", "HEAD"], in: station.folder).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = try #require(try station.json(try await station.call("run_trial", ["hypothesis": "b"]).text)["id"] as? String)
        #expect(try station.json(try await station.call("revert", ["id": .string(id)]).text)["parentCommit"] as? String == second)
        let records = try await station.server.workspace.ledger().allRecords()
        #expect(records.map(\.parentCommit) == [head, second])
        try await station.stop()

        let plain = try await ServedStation.start()
        let other = try #require(try plain.json(try await plain.call("run_trial", ["hypothesis": "c"]).text)["id"] as? String)
        #expect(try plain.json(try await plain.call("keep", ["id": .string(other)]).text)["parentCommit"] as? String == nil)
        try await plain.stop()
    }

    @discardableResult
    static func git(_ arguments: [String], in folder: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: output, as: UTF8.self)
    }
}
