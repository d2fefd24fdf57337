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

    /// Runs `script` with `python -c` and `arguments`; returns its standard output.
    ///
    /// - Throws: ``Failure`` with the script's standard error when it exits with a non-zero status.
    public static func run(_ interpreter: String, script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, "-c", script] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
