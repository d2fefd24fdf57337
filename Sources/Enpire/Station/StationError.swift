/// Why a station refused or stopped an episode.
public enum StationError: Error, CustomStringConvertible, Equatable {
    /// The emergency stop is latched.
    case emergencyStopLatched
    /// The station is paused (for example after a reset that could not be verified).
    case paused(reason: String)
    /// The reset routine could not verify a valid start state; the station paused itself.
    case resetFailed(reason: String)
    /// The configuration is unusable.
    case invalidConfiguration(String)
    /// ``Station/home(tolerance:timeoutSeconds:)`` ran out of time before every arm arrived.
    case homingTimedOut(seconds: Double, remainingError: Double)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .emergencyStopLatched:
            return "emergency stop is latched: inspect the station, then call clearEmergencyStop()"
        case .paused(let reason): return "station is paused (\(reason)): fix the cause, then call resume()"
        case .resetFailed(let reason):
            return "reset could not be verified (\(reason)); the station paused itself: put the scene back, then resume()"
        case .invalidConfiguration(let message): return "invalid station configuration: \(message)"
        case .homingTimedOut(let seconds, let error):
            return "homing did not arrive within \(seconds) s (largest remaining error \(error)): check the arm and "
                + "its envelope's step limit, or give home(timeoutSeconds:) more time"
        }
    }
}
