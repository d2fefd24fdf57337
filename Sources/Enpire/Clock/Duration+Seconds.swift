extension Duration {
    /// The duration in seconds, as a `Double` (attosecond precision folded into the fraction).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
