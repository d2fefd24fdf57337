import Enpire
import Foundation
import Testing

/// Issue 17, class 2 end to end: an agent started by `enpire agent` runs in a bubblewrap sandbox and, trying
/// everything a shell can, never sees a held-out seed, the held-out secret or the runner's environment; its
/// evaluations are counted and limited, and its trial budget holds against deletion and parallel trials.
@Suite("Agent sandbox through the CLI")
struct AgentSandboxTests {
    static let sandboxProblem = AgentSandbox.probe()

    static func enpire(_ arguments: [String], in folder: URL, environment: [String: String] = [:])
        throws -> (status: Int32, output: String) {
        try AgentLoopTests.enpire(arguments, in: folder, environment: environment)
    }

    /// The held-out seeds as the operator derives them, checked against the frozen digest.
    static func heldOutSeeds(secret: String, count: Int, development: Set<UInt64>, criteria: FrozenCriteria) throws -> [UInt64] {
        var seeds: [UInt64] = []
        var seen = development
        var index = 0
        while seeds.count < count {
            let digest = SHA256.hex("enpire-heldout-seed-v1\n\(secret)\n\(index)")
            index += 1
            if let seed = UInt64(digest.prefix(16), radix: 16), seen.insert(seed).inserted { seeds.append(seed) }
        }
        _ = try criteria.seeds.unsealed(heldOut: seeds, secret: secret)
        return seeds
    }

    @Test(.enabled(if: sandboxProblem == nil, "skipped: \(sandboxProblem ?? "")"))
    func sandboxedAgentNeverSeesTheHeldOutSeeds() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-sandbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws")
        let operatorFolder = folder.appendingPathComponent("ws.operator")
        let initialised = try Self.enpire(["init", "--workspace", workspace.path, "--station", "s1", "--episodes-per-trial", "1",
                                           "--held-out", "4", "--eval-limit", "1"], in: folder)
        #expect(initialised.status == 0, "\(initialised.output)")
        let buildFolder = AgentLoopTests.binary.deletingLastPathComponent().resolvingSymlinksInPath().path
        let script = """
            #!/bin/sh
            E="\(AgentLoopTests.binary.path)"
            W="$ENPIRE_WORKSPACE"
            L="$W/loot"
            mkdir -p "$L"
            cat "\(operatorFolder.path)/operator.json" > "$L/cat-operator.txt" 2>&1
            ls -la "\(operatorFolder.path)" "\(folder.path)" > "$L/ls.txt" 2>&1
            find / \\( -path /proc -o -path /sys \\) -prune -o -print > "$L/find.txt" 2>/dev/null
            find / \\( -path /proc -o -path /sys -o -path /dev -o -path /usr -o -path /opt -o -path "$L" \
                  -o -path "\(buildFolder)" \\) -prune -o -type f -size -2M -print 2>/dev/null |
                while read -r f; do cat "$f"; done > "$L/files.txt" 2>/dev/null
            for p in /proc/[0-9]*; do cat "$p/environ"; echo; cat "$p/cmdline"; echo; done > "$L/proc.txt" 2>&1
            cat "/proc/$PPID/environ" >> "$L/proc.txt" 2>&1
            env > "$L/env.txt"
            $E status --workspace "$W" --json > "$L/status.txt" 2>&1
            rm -f "$W/budget.json"
            $E trial --workspace "$W" --recipe '{}' --hypothesis a > "$L/trial-a.txt" 2>&1 &
            $E trial --workspace "$W" --recipe '{}' --hypothesis b > "$L/trial-b.txt" 2>&1 &
            wait
            $E trial --workspace "$W" --recipe '{}' --hypothesis c > "$L/trial-c.txt" 2>&1; echo "trial-c $?" >> "$L/codes.txt"
            $E eval --workspace "$W" --json > "$L/eval1.txt" 2>&1; echo "eval1 $?" >> "$L/codes.txt"
            $E eval --workspace "$W" --json > "$L/eval2.txt" 2>&1; echo "eval2 $?" >> "$L/codes.txt"
            $E eval --workspace "$W" --operator "\(operatorFolder.path)" > "$L/eval3.txt" 2>&1; echo "eval3 $?" >> "$L/codes.txt"
            ENPIRE_RUNNER_SOCKET= $E eval --workspace "$W" --operator "\(operatorFolder.path)" > "$L/eval4.txt" 2>&1
            echo "eval4 $?" >> "$L/codes.txt"
            $E init --workspace "$W" > "$L/init.txt" 2>&1; echo "init $?" >> "$L/codes.txt"
            exit 0
            """
        let agent = folder.appendingPathComponent("agent.sh")
        try Data(script.utf8).write(to: agent)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agent.path)
        let canary = "canary-\(UUID().uuidString)"
        let run = try Self.enpire(["agent", "--workspace", workspace.path, "--trials", "1", "--wall-seconds", "300",
                                   "--json", "--", agent.path], in: folder, environment: ["ENPIRE_TEST_CANARY": canary])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("\"ending\":\"exited\""), "\(run.output)")

        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: operatorFolder.appendingPathComponent("operator.json")))
            as? [String: Any]
        let secret = try #require(state?["heldOutSecret"] as? String)
        let criteria = try JSONDecoder().decode(FrozenCriteria.self, from: Data(contentsOf: workspace.appendingPathComponent("frozen.json")))
        let seeds = try Self.heldOutSeeds(secret: secret, count: 4, development: Set(criteria.seeds.developmentSeeds),
                                          criteria: criteria)
        let loot = workspace.appendingPathComponent("loot")
        let names = try FileManager.default.contentsOfDirectory(atPath: loot.path)
        #expect(names.contains("files.txt") && names.contains("find.txt") && names.contains("proc.txt"))
        var seen = ""
        for name in names { seen += (try? String(contentsOf: loot.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        // Every file the agent could reach (outside /usr, /opt and the build folder), every process's environment
        // and command line, and the answers of the CLI: no secret, no held-out seed, no runner environment.
        #expect(seen.count > 1000, "the agent saw almost nothing: the probe itself failed")
        #expect(!seen.contains(secret))
        let visibleSeeds = seeds.filter { seen.contains(String($0)) }
        #expect(visibleSeeds.isEmpty, "held-out seeds visible to the agent: \(visibleSeeds)")
        #expect(!seen.contains(canary), "the runner's environment leaked into the sandbox")
        let found = try String(contentsOf: loot.appendingPathComponent("find.txt"), encoding: .utf8)
        #expect(!found.split(separator: "\n").contains { $0.hasPrefix(operatorFolder.path) })
        #expect(found.contains(workspace.appendingPathComponent("AGENT_BRIEF.md").path), "find saw the workspace")

        // Trials: one budget, two parallel trials and a third after deleting files: exactly one ran.
        let codes = try String(contentsOf: loot.appendingPathComponent("codes.txt"), encoding: .utf8)
        let trialOutputs = try ["a", "b"].map { try String(contentsOf: loot.appendingPathComponent("trial-\($0).txt"), encoding: .utf8) }
        #expect(trialOutputs.filter { $0.contains("decide with") }.count == 1, "\(trialOutputs)")
        #expect(codes.contains("trial-c 1"), "\(codes)")
        // Evaluations: the first ran, the second hit the limit of 1, the agent could not redirect the operator
        // folder, and without the runner the CLI cannot evaluate at all; init refused the existing workspace.
        #expect(codes.contains("eval1 0") && codes.contains("eval2 1") && codes.contains("eval3 64"), "\(codes)")
        #expect(!codes.contains("eval4 0") && !codes.contains("init 0"), "\(codes)")
        #expect(state?["evaluationsUsed"] as? Int == 1)
        let ledger = try Self.enpire(["ledger", "--workspace", workspace.path, "--json"], in: folder).output
        #expect(ledger.components(separatedBy: "\"decision\":\"evaluation\"").count == 2, "\(ledger)")
    }

    @Test("without a usable bubblewrap, enpire agent refuses unless --unsandboxed is given")
    func refusesToRunUnsandboxedByDefault() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-nobwrap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws").path
        #expect(try Self.enpire(["init", "--workspace", workspace, "--episodes-per-trial", "1", "--held-out", "1"], in: folder).status == 0)
        let marker = folder.appendingPathComponent("ran")
        let agent = ["--", "/bin/sh", "-c", "touch '\(marker.path)'"]
        let noBwrap = ["ENPIRE_BWRAP": "/nonexistent/bwrap"]
        let refused = try Self.enpire(["agent", "--workspace", workspace] + agent, in: folder, environment: noBwrap)
        #expect(refused.status == 1 && refused.output.contains("--unsandboxed"), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        let allowed = try Self.enpire(["agent", "--workspace", workspace, "--unsandboxed"] + agent, in: folder, environment: noBwrap)
        #expect(allowed.status == 0 && allowed.output.contains("UNSANDBOXED"), "\(allowed.output)")
        #expect(FileManager.default.fileExists(atPath: marker.path))
    }

    @Test("an agent reporting Int.max tokens is stopped and the runner reports it without trapping")
    func hugeTokenReportThroughTheCLI() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws").path
        #expect(try Self.enpire(["init", "--workspace", workspace, "--episodes-per-trial", "1", "--held-out", "1"], in: folder).status == 0)
        let usage = #"{"usage":{"input_tokens":9223372036854775807,"output_tokens":9223372036854775807}}"#
        let isolation = Self.sandboxProblem == nil ? [] : ["--unsandboxed"]
        let run = try Self.enpire(["agent", "--workspace", workspace, "--wall-seconds", "30"] + isolation
                                  + ["--", "/bin/sh", "-c", "echo '\(usage)'; sleep 20"], in: folder)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("agent tokenBudgetExhausted") && run.output.contains("\(Int.max) tokens"), "\(run.output)")
    }

    @Test("a sandbox that would expose the hidden operator folder is refused")
    func exposingTheOperatorFolderIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-expose-\(UUID().uuidString)")
        let workspace = root.appendingPathComponent("ws")
        let operatorFolder = root.appendingPathComponent("ws.operator")
        func sandbox(readOnly: [URL]) -> AgentSandbox {
            AgentSandbox(bubblewrap: "/usr/bin/bwrap", writable: [workspace], readOnly: readOnly, hidden: [operatorFolder],
                         environment: ["HOME": "/home/agent"], workingDirectory: workspace)
        }
        let arguments = try sandbox(readOnly: []).arguments(for: ["/bin/true"])
        #expect(arguments.contains("--clearenv") && arguments.contains("--unshare-pid") && arguments.contains("--die-with-parent"))
        #expect(!arguments.contains { $0.hasPrefix(operatorFolder.path) })
        #expect(throws: AgentSandboxError.self) { _ = try sandbox(readOnly: [root]).arguments(for: ["/bin/true"]) }
        #expect(throws: AgentSandboxError.self) {
            _ = try sandbox(readOnly: [operatorFolder.appendingPathComponent("pending")]).arguments(for: ["/bin/true"])
        }
    }

    @Test("bad budgets exit with a usage error, not a trap", arguments: ["nan", "inf", "1e19", "-5"])
    func badWallSecondsAreUsageErrors(value: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path), "enpire is built next to the tests")
        let folder = FileManager.default.temporaryDirectory
        let result = try Self.enpire(["agent", "--workspace", "/nonexistent-ws", "--wall-seconds=\(value)", "--", "/bin/true"], in: folder)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("wall budget"), "\(result.output)")
    }
}

/// Issue 17, class 4: stopping the runner stops the agent's whole process group.
@Suite("Agent runner stops its agent")
struct AgentRunnerSignalTests {
    @Test("SIGTERM to enpire agent stops the agent and what it started, sandboxed or not", arguments: [false, true])
    func terminatingTheRunnerStopsTheAgent(sandboxed: Bool) throws {
        try #require(FileManager.default.isExecutableFile(atPath: AgentLoopTests.binary.path), "enpire is built next to the tests")
        if sandboxed && AgentSandboxTests.sandboxProblem != nil { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-sigterm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = folder.appendingPathComponent("ws")
        #expect(try AgentSandboxTests.enpire(["init", "--workspace", workspace.path, "--episodes-per-trial", "1", "--held-out", "1"],
                                             in: folder).status == 0)
        // The agent records the host-side view of its child: inside a sandbox its own PIDs mean nothing outside,
        // so it leaves a marker file the test looks for among the host's processes instead.
        let marker = "enpire-sigterm-\(UUID().uuidString.prefix(8))"
        let process = Process()
        process.executableURL = AgentLoopTests.binary
        process.arguments = ["agent", "--workspace", workspace.path, "--wall-seconds", "120"]
            + (sandboxed ? [] : ["--unsandboxed"])
            + ["--", "/bin/sh", "-c", "sh -c 'sleep 60; echo \(marker)' & touch started; wait"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = workspace.appendingPathComponent("started")
        var waited = 0
        while !FileManager.default.fileExists(atPath: started.path), waited < 300 { usleep(100_000); waited += 1 }
        #expect(FileManager.default.fileExists(atPath: started.path))
        #expect(Self.processes(containing: marker) > 0)
        let start = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(start) < 10)
        usleep(500_000)
        #expect(Self.processes(containing: marker) == 0, "the agent's child outlived the runner")
    }

    /// Live (non-zombie) processes whose command line contains `text`.
    static func processes(containing text: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            guard let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces)
            return !state.hasPrefix("Z") && String(decoding: line, as: UTF8.self).contains(text)
        }.count
    }
}
