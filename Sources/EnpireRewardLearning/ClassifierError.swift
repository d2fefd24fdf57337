/// Why a success classifier could not be trained, frozen, loaded or fed.
public enum ClassifierError: Error, Equatable, CustomStringConvertible {
    /// The labelled clips were unusable (missing folder, no frames, one class only, too few clips).
    case badClips(String)
    /// An image could not be read or has another size than the others.
    case badImage(String)
    /// The recipe or input description is inconsistent (empty crop, zero size, bad fractions).
    case badRecipe(String)
    /// A frozen classifier could not be read, is malformed, or does not match its expected hash.
    case badClassifierFile(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .badClips(let message): return "bad clips: \(message)"
        case .badImage(let message): return "bad image: \(message)"
        case .badRecipe(let message): return "bad classifier recipe: \(message)"
        case .badClassifierFile(let message): return "bad classifier file: \(message)"
        }
    }
}
