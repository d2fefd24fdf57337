/// Why a Push-T renderer or camera could not be set up.
public enum PushTRenderingError: Error, Equatable, CustomStringConvertible {
    /// The requested output size is empty, negative or too large.
    case invalidSize(String)
    /// A ``CameraNoise`` amplitude is out of range.
    case invalidNoise(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidSize(let message), .invalidNoise(let message): message
        }
    }
}
