/// Errors from the pin-insertion and zip-tie stations.
public enum SimulatedTaskError: Error, CustomStringConvertible, Equatable {
    /// A command had the wrong number of values.
    case badCommandLength(task: String, expected: Int, got: Int)
    /// A command value was NaN or infinite.
    case nonFiniteCommand(task: String, values: [Double])
    /// A station factory was asked for an arm count or parameter it cannot build.
    case invalidParameter(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .badCommandLength(let task, let expected, let got):
            return "\(task) command needs \(expected) numbers, got \(got); check the policy's output size"
        case .nonFiniteCommand(let task, let values):
            return "\(task) command must be finite numbers, got \(values); the command was refused and the arm "
                + "did not move: check the policy for NaN outputs"
        case .invalidParameter(let message):
            return message
        }
    }
}
