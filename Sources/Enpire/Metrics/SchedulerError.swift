/// Errors from the trial scheduler.
public enum SchedulerError: Error, Equatable, CustomStringConvertible {
    /// A trial or report named a robot the scheduler does not serve.
    case unknownRobot(String, known: [String])
    /// The scheduler was shut down.
    case shutDown

    /// A message naming the problem and the fix.
    public var description: String {
        switch self {
        case let .unknownRobot(robot, known):
            return "unknown robot \"\(robot)\"; the scheduler serves \(known.joined(separator: ", "))"
        case .shutDown:
            return "the trial scheduler was shut down; create a new one to queue more trials"
        }
    }
}
