import EnpireProcess
import Foundation

/// Runs interoperability checks against Python peers (vendor SDKs, reference readers) from tests.
///
/// The interpreter is `$ENPIRE_PYTHON` (set by `source scripts/python-env.sh`), else `python3` on the path; tests
/// skip their Python check when ``interpreter(requiring:)`` returns `nil`.
public enum PythonProbe {
    /// An interpreter that can import every module in `modules`, or `nil`.
    public static func interpreter(requiring modules: [String]) -> String? {
        let candidate = ProcessInfo.processInfo.environment["ENPIRE_PYTHON"] ?? "python3"
        let check = "import " + modules.joined(separator: ", ")
        guard (try? run(candidate, script: check, arguments: [])) != nil else { return nil }
        return candidate
    }

    /// A script that exited with a non-zero status.
    public struct Failure: Error, CustomStringConvertible {
        /// The script's standard error.
        public var description: String
    }

    /// Runs `script` with `python -c` and `arguments`; returns its standard output (its last 16 MiB).
    ///
    /// - Throws: ``Failure`` with the script's standard error when it exits with a non-zero status, and an error
    ///   saying so when the interpreter is not installed.
    public static func run(_ interpreter: String, script: String, arguments: [String]) throws -> String {
        let result = try ChildProcess.runWaiting(ChildCommand(interpreter, arguments: ["-c", script] + arguments),
                                                 outputLimit: 16 << 20)
        guard result.succeeded else { throw Failure(description: result.standardError) }
        return result.standardOutput
    }
}
