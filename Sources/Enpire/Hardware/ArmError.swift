/// Errors an arm implementation reports for commands it cannot execute.
public enum ArmError: Error, Equatable, CustomStringConvertible {
    /// The command has the wrong number of axes.
    case wrongDimension(expected: Int, got: Int)
    /// The arm is not connected.
    case notConnected(String)
    /// The arm reported a fault.
    case fault(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .wrongDimension(let expected, let got):
            return "command has \(got) axes but the arm expects \(expected); check the policy's output size"
        case .notConnected(let arm): return "arm \(arm) is not connected; call connect() first"
        case .fault(let message): return "arm fault: \(message)"
        }
    }
}
