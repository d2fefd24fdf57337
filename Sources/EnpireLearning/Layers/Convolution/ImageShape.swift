/// Channels, height and width of one example laid out channel-major (NCHW without the batch dimension).
///
/// Convolutional layers still exchange flat `[batchSize, features]` blocks with ``Sequential``; an
/// `ImageShape` tells them how to read the `features = channels · height · width` values of each example.
public struct ImageShape: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Number of channels.
    public var channels: Int
    /// Rows per channel.
    public var height: Int
    /// Columns per row.
    public var width: Int

    /// Creates a shape.
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per channel (`height · width`).
    public var pixels: Int { height * width }
    /// Values per example (`channels · height · width`).
    public var count: Int { channels * height * width }

    /// `"C×H×W"`.
    public var description: String { "\(channels)×\(height)×\(width)" }

    /// Fails unless every dimension is positive.
    func validate(_ what: String) throws(TensorError) {
        guard channels > 0, height > 0, width > 0 else {
            throw .shapeMismatch("\(what) needs a positive input shape, got \(self)")
        }
    }
}
