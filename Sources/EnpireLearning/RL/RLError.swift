/// Errors from RL components: bad configurations, width mismatches, unreadable replay files.
public enum RLError: Error, Equatable, CustomStringConvertible {
    /// A configuration value is out of range; the message names it and the accepted range.
    case invalidConfiguration(String)
    /// An array had the wrong width; the message names expected and actual widths.
    case widthMismatch(String)
    /// A replay-buffer file is truncated, has the wrong magic, or disagrees with its header.
    case corruptReplayFile(path: String, reason: String)
    /// Reading or writing a file failed.
    case io(String)

    /// Human-readable explanation with what to do.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid RL configuration: \(message)"
        case .widthMismatch(let message): "width mismatch: \(message)"
        case .corruptReplayFile(let path, let reason):
            "replay buffer file \(path) is corrupt (\(reason)); delete it or restore it from a backup"
        case .io(let message): "I/O error: \(message)"
        }
    }
}
