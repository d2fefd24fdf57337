/// One labelled frame, already cropped and downsampled (``ClassifierInput/features(of:)``), with the clip it
/// came from (the split keeps a clip's frames together).
public struct ClassifierExample: Sendable, Equatable {
    /// The input floats (``ClassifierInput/featureCount`` of them).
    public var features: [Float]
    /// Whether the frame shows a success.
    public var success: Bool
    /// The clip's name.
    public var clip: String

    /// Creates an example.
    public init(features: [Float], success: Bool, clip: String) {
        self.features = features
        self.success = success
        self.clip = clip
    }
}
