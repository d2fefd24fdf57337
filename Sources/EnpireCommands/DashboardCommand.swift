import ArgumentParser
import EnpireDashboard
import EnpireResearch
import Foundation
import Logging

/// `enpire dashboard`: a live web page of a station workspace with an e-stop button.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a live web page of a station workspace: health, ledger with Wilson intervals, running trial and ETA, latest frames, e-stop.",
        discussion: """
        Binds 127.0.0.1 unless --allow-remote. Prints the page's address with the e-stop token in its fragment \
        (#token=...); the e-stop and its clear are POST requests that must carry that token in an X-Enpire-Token \
        header, which the page does. Runs on the operator's side (it reads the operator folder) but serves no \
        held-out seed or secret. Docs/Dashboard.md describes it. Stop it with Ctrl-C.
        """)
    @OptionGroup var location: WorkspaceLocation
    @Option(help: "Port (0 picks a free one).") var port = 8765
    @Option(help: "Host to bind; non-loopback hosts need --allow-remote.") var host = "127.0.0.1"
    @Flag(help: "Allow a non-loopback --host (plain HTTP: anyone on that network can read the page; the e-stop still needs the token).")
    var allowRemote = false
    @Option(help: ArgumentHelp("E-stop token (at least 16 characters; default: 32 random hex digits, new at every start). Also read from ENPIRE_DASHBOARD_TOKEN.", valueName: "token"))
    var token: String?

    func validate() throws {
        try OptionLimits.check(port, 0...65535, "--port")
    }

    func run() async throws {
        let token = token ?? ProcessInfo.processInfo.environment["ENPIRE_DASHBOARD_TOKEN"] ?? DashboardConfiguration.randomToken()
        let configuration = DashboardConfiguration(host: host, port: port, allowRemote: allowRemote, token: token)
        var logger = Logger(label: "enpire.dashboard")
        logger.logLevel = .warning
        let server = DashboardServer(workspace: location.value, configuration: configuration, logger: logger)
        let output = CommandOutput.current
        try await server.run { url in
            // Written unbuffered (the terminal sink writes to the file descriptor), so a pipe reading the address
            // gets it at once.
            output.standardOutput(Data("""
                dashboard: \(url.absoluteString)#token=\(token)
                e-stop token: \(token) (the page reads it from the address; POST /api/estop needs it in X-Enpire-Token)

                """.utf8))
        }
    }
}
