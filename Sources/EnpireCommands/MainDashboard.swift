import EnpireDashboard
import EnpireResearch
import Foundation
import Logging

/// `enpire main --dashboard PORT`: the fleet dashboard of the running campaign, started before the campaign and
/// stopped when the command ends. Its address (with the e-stop token in the fragment) goes to standard error.
struct MainDashboard {
    let monitor: CampaignMonitor
    let server: Task<Void, any Error>

    /// Starts the server on `port` (0: a free one) and waits until it listens; throws the server's error (a port
    /// in use, say) instead of starting the campaign without the dashboard that was asked for.
    static func start(port: Int, host: String) async throws -> MainDashboard {
        let token = ProcessInfo.processInfo.environment["ENPIRE_DASHBOARD_TOKEN"] ?? DashboardConfiguration.randomToken()
        let configuration = DashboardConfiguration(host: host, port: port, token: token)
        try configuration.validate()
        let monitor = CampaignMonitor()
        var serverLogger = Logger(label: "enpire.dashboard")
        // Stopping the server at the end of the job makes Hummingbird log its cancelled channels as errors.
        serverLogger.logLevel = .critical
        let fleet = FleetDashboardServer(monitor: monitor, configuration: configuration, logger: serverLogger)
        let (started, continuation) = AsyncStream.makeStream(of: Result<URL, any Error>.self)
        let error = CommandOutput.current.standardError
        let server = Task {
            do {
                try await fleet.run { url in
                    error(Data("dashboard: \(url.absoluteString)#token=\(token)\n".utf8))
                    continuation.yield(.success(url))
                }
                continuation.finish()
            } catch {
                continuation.yield(.failure(error))
                continuation.finish()
                throw error
            }
        }
        for await first in started {
            if case .failure(let failure) = first { throw failure }
            return MainDashboard(monitor: monitor, server: server)
        }
        throw CancellationError()
    }

    init(monitor: CampaignMonitor, server: Task<Void, any Error>) {
        self.monitor = monitor
        self.server = server
    }

    /// Stops the server.
    func stop() {
        server.cancel()
    }
}
