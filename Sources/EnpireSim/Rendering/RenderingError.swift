/// Why a simulated renderer or camera could not be set up (shared by every scene renderer and
/// ``SimulatedCamera``).
public enum RenderingError: Error, Equatable, CustomStringConvertible {
    /// The requested output size (or scale) is empty, negative or too large.
    case invalidSize(String)
    /// A ``CameraNoise`` amplitude is out of range (or a labelled-frame mix is empty).
    case invalidNoise(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidSize(let message), .invalidNoise(let message): message
        }
    }
}

/// The Push-T renderer's error under its earlier name: every simulated renderer now throws ``RenderingError``.
public typealias PushTRenderingError = RenderingError
