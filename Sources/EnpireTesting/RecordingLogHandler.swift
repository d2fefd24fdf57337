public import Logging
import Synchronization

/// A swift-log handler that keeps every message it receives, for tests that check what a library logged.
///
/// ```swift
/// let recording = RecordingLogHandler.Recording()
/// let logger = Logger(label: "test") { _ in RecordingLogHandler(recording) }
/// _ = try await campaign.run(logger: logger)
/// #expect(recording.messages.contains { $0.hasPrefix("resuming") })
/// ```
public struct RecordingLogHandler: LogHandler {
    /// The messages a set of handlers received, in order; shared by every handler made on it.
    public final class Recording: Sendable {
        private let storage = Mutex<[String]>([])

        /// Creates an empty recording.
        public init() {}

        /// The messages so far.
        public var messages: [String] { storage.withLock { $0 } }

        func append(_ message: String) { storage.withLock { $0.append(message) } }
    }

    /// Where messages go.
    public let recording: Recording
    /// Metadata attached to every message (swift-log's contract; not recorded).
    public var metadata: Logger.Metadata = [:]
    /// The lowest level recorded (default `trace`: everything).
    public var logLevel: Logger.Level = .trace

    /// Creates a handler that appends to `recording`.
    public init(_ recording: Recording) {
        self.recording = recording
    }

    /// Gets or sets one metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records `message` (swift-log calls this for messages at or above ``logLevel``).
    public func log(event: LogEvent) {
        recording.append(event.message.description)
    }
}

extension Logger {
    /// A logger that drops everything, for tests and callers that want no lines.
    public static var silent: Logger { Logger(label: "enpire.silent") { _ in SwiftLogNoOpLogHandler() } }
}
