/// Why behaviour cloning could not train, run or load a policy.
public enum BCError: Error, Equatable, CustomStringConvertible {
    /// No step had a position command for every arm.
    case noUsableSteps(String)
    /// An observation lacked a configured feature key.
    case missingFeature(key: String, available: [String])
    /// Observation or action widths differ between steps, or from what the model expects.
    case widthMismatch(String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// A checkpoint directory is missing files or holds inconsistent contents.
    case checkpoint(String)

    /// Human-readable explanation with a hint.
    public var description: String {
        switch self {
        case .noUsableSteps(let detail): "no usable training steps: \(detail)"
        case .missingFeature(let key, let available):
            "observation has no feature \"\(key)\" (available: \(available.sorted())); fix featureKeys in the "
                + "observation encoding"
        case .widthMismatch(let detail): "width mismatch: \(detail)"
        case .invalidConfiguration(let detail): "invalid BC configuration: \(detail)"
        case .checkpoint(let detail): "cannot load BC checkpoint: \(detail)"
        }
    }
}
