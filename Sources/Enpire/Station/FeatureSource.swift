/// Supplies named feature vectors for each observation: a simulator's privileged state, or a hardware
/// station's estimators (an object tracker, a force estimate).
public protocol FeatureSource: Sendable {
    /// The current features, keyed by name (for example `"pusht.state"`).
    func features() async throws -> [String: [Double]]
}
