import Enpire

/// The language of a code workspace's template (`enpire init --code --code-language`).
public enum PolicyLanguage: String, Sendable, CaseIterable, Codable {
    /// A Python script (the task's ``ResearchTask/codeTemplate``), checked with `py_compile`.
    case python
    /// A dependency-free Swift package (``PolicyCodeTemplate/swiftPackage(for:)``), built with `swift build -c release`.
    case swift

    /// The template of `task` in this language.
    public func template(for task: any ResearchTask) -> PolicyCodeTemplate {
        switch self {
        case .python: task.codeTemplate
        case .swift: .swiftPackage(for: task)
        }
    }
}

/// The policy code a code workspace starts from (`enpire init --code`): files of a Git work tree with an
/// `enpire-policy.json` manifest (``PolicyManifest``) and a program speaking ``CodePolicy``'s line protocol.
///
/// ``python(task:name:features:privilege:body:)`` writes a dependency-free Python script (built with `py_compile`,
/// which reports syntax errors the way a compiler does); every ``ResearchTask`` gets ``generic(for:)`` unless it
/// provides its own ``ResearchTask/codeTemplate``.
public struct PolicyCodeTemplate: Sendable, Equatable {
    /// Path (relative to the work tree) to contents.
    public var files: [String: String]

    /// Creates a template.
    public init(files: [String: String]) {
        self.files = files
    }

    /// A Python policy for `task`: `body` defines `NAME`-independent code with `reset()` and `act(observation)`
    /// (returning an action, see ``CodePolicy``); `features` documents the observation's features, `privilege`
    /// how the policy is privileged (kept in the manifest).
    public static func python(task: String, name: String, features: String, privilege: String?, body: String)
        -> PolicyCodeTemplate {
        let manifest = """
        {
          "build": ["python3", "-m", "py_compile", "policy.py"],
          "run": ["python3", "-u", "policy.py"],
          "privilege": \(privilege.map { "\"\(jsonEscaped($0))\"" } ?? "null")
        }

        """
        let script = """
        #!/usr/bin/env python3
        \"\"\"The \(task) policy of an Enpire code workspace: the recipe as code.

        `enpire trial` commits this work tree, builds it (`py_compile`: a syntax error is the trial's result and no
        robot time is used), starts `python3 -u policy.py` and talks to it one JSON object a line:
          {"type": "hello", ...}        answer {"type": "ready", "name": NAME}
          {"type": "reset"}             start of an episode, no answer
          {"type": "observation", "step": n, "elapsed": s, "arms": [...], "features": {...}}
                                        answer one action:
            {"arms": [{"target": [...], "gripper": g}]}   one command per arm ({"hold": true} keeps an arm still)
            {"recipe": {name: number}}  the task's built-in policy with these parameters acts this step
            {"error": "why"}            ends the trial
        Print nothing else on standard output; log to standard error (kept in code-logs/<trial>.stderr).

        Features of an observation:
        \(features)

        Privileged: \(privilege ?? "no")
        \"\"\"
        import json
        import math
        import sys

        NAME = "\(name)"

        \(body)


        def answer(value):
            sys.stdout.write(json.dumps(value) + "\\n")
            sys.stdout.flush()


        def main():
            for line in sys.stdin:
                message = json.loads(line)
                kind = message.get("type")
                if kind == "hello":
                    answer({"type": "ready", "name": NAME})
                elif kind == "reset":
                    reset()
                elif kind == "observation":
                    answer(act(message))


        if __name__ == "__main__":
            main()

        """
        return PolicyCodeTemplate(files: [
            PolicyManifest.fileName: manifest, "policy.py": script, ".gitignore": "__pycache__/\n.build/\n",
        ])
    }

    /// The template any task gets: its baseline recipe as a Python dictionary, answered at every step.
    public static func generic(for task: any ResearchTask) -> PolicyCodeTemplate {
        python(task: task.name, name: "\(task.name)-code", features: "  (see the task's documentation)",
               privilege: privilege(of: task), body: recipeBody(task.baseline.parameters))
    }

    /// How a template's policy is privileged: in simulation the features are the simulator's, and a `recipe`
    /// answer delegates to the task's built-in policy.
    public static func privilege(of task: any ResearchTask) -> String {
        "in simulation the features are the simulator's exact state; a `recipe` answer runs the task's built-in "
            + "policy (\(task.privilege ?? "not privileged"))"
    }

    /// Python code answering every observation with `parameters` as the recipe.
    public static func recipeBody(_ parameters: [String: Double]) -> String {
        """
        # The recipe, as code: the task's built-in policy with these parameters acts every step.
        \(pythonDictionary("RECIPE", parameters))


        def reset():
            pass


        def act(observation):
            return {"recipe": RECIPE}
        """
    }

    /// A dependency-free Swift package for `task` (built with `swift build -c release`, run as
    /// `.build/release/policy`): the baseline recipe as a Swift dictionary, answered at every step.
    public static func swiftPackage(for task: any ResearchTask) -> PolicyCodeTemplate {
        let recipe = task.baseline.parameters.keys.sorted()
            .map { "    \"\($0)\": \(task.baseline.parameters[$0].map { "\($0)" } ?? "0")," }.joined(separator: "\n")
        let manifest = """
        {
          "build": ["swift", "build", "-c", "release"],
          "run": [".build/release/policy"],
          "privilege": "\(jsonEscaped(privilege(of: task)))"
        }

        """
        let package = """
        // swift-tools-version:6.0
        import PackageDescription

        let package = Package(name: "policy", targets: [.executableTarget(name: "policy")])

        """
        let main = """
        // The \(task.name) policy of an Enpire code workspace: the recipe as code, a Swift package with no
        // dependencies. `enpire trial` commits the work tree, builds it (`swift build -c release`: a compiler error is
        // the trial's result and no robot time is used) and runs `.build/release/policy`, which reads one JSON object
        // a line (hello, reset, observation) and answers hello with {"type": "ready"} and each observation with one
        // action: {"arms": [{"target": [...]}]} or {"recipe": {...}} (the task's built-in policy with these
        // parameters acts this step). Log to standard error, never to standard output.
        // Privileged: \(privilege(of: task))
        import Foundation

        // The recipe, as code: the task's built-in policy with these parameters acts every step.
        let recipe: [String: Double] = [
        \(recipe)
        ]

        func act(_ observation: [String: Any]) -> [String: Any] {
            ["recipe": recipe]
        }

        func answer(_ object: [String: Any]) {
            guard let data = try? JSONSerialization.data(withJSONObject: object) else { return }
            FileHandle(fileDescriptor: 1).write(data + Data("\\n".utf8))  // standard output: the protocol
        }

        while let line = readLine() {
            guard let message = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                answer(["error": "not a JSON object: \\(line.prefix(100))"])
                continue
            }
            switch message["type"] as? String {
            case "hello": answer(["type": "ready", "name": "\(task.name)-swift"])
            case "observation": answer(act(message))
            default: break
            }
        }

        """
        return PolicyCodeTemplate(files: [
            PolicyManifest.fileName: manifest, "Package.swift": package, "Sources/policy/main.swift": main,
            ".gitignore": ".build/\n",
        ])
    }

    /// `name = {...}` with one parameter a line, sorted.
    public static func pythonDictionary(_ name: String, _ parameters: [String: Double]) -> String {
        let lines = parameters.keys.sorted().map { "    \"\($0)\": \(parameters[$0].map { "\($0)" } ?? "0")," }
        return "\(name) = {\n" + lines.joined(separator: "\n") + "\n}"
    }

    static func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
