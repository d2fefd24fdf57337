/// Per-feature affine normaliser `(x − offset) / scale`, fitted on data and saved with a model.
public struct Normalizer: Sendable, Codable, Equatable {
    /// How the statistics were fitted.
    public enum Kind: String, Sendable, Codable {
        /// Offset = mean, scale = standard deviation.
        case meanStd
        /// Offset = midpoint, scale = half range (maps data to [−1, 1]).
        case minMax
        /// Identity.
        case identity
    }

    /// Fitting rule.
    public var kind: Kind
    /// Subtracted per feature.
    public var offset: [Float]
    /// Divided per feature (never below `minimumScale` so constant features do not blow up).
    public var scale: [Float]

    /// Scales below this are raised to it.
    public static let minimumScale: Float = 1e-6

    /// Identity normaliser for `features` features.
    public static func identity(features: Int) -> Normalizer {
        Normalizer(kind: .identity, offset: .init(repeating: 0, count: features),
                   scale: .init(repeating: 1, count: features))
    }

    /// Fits on the rows of `[samples, features]` data.
    public static func fit(_ data: Tensor, kind: Kind) -> Normalizer {
        let features = data.columns, rows = data.count / max(features, 1)
        guard kind != .identity, rows > 0 else { return .identity(features: features) }
        var offset = [Float](repeating: 0, count: features)
        var scale = [Float](repeating: 1, count: features)
        for column in 0..<features {
            var sum = 0.0, sumSquares = 0.0
            var low = Float.infinity, high = -Float.infinity
            for row in 0..<rows {
                let x = data.scalars[row * features + column]
                sum += Double(x)
                sumSquares += Double(x) * Double(x)
                low = min(low, x)
                high = max(high, x)
            }
            switch kind {
            case .meanStd:
                let mean = sum / Double(rows)
                offset[column] = Float(mean)
                scale[column] = Float(max(sumSquares / Double(rows) - mean * mean, 0).squareRoot())
            case .minMax:
                offset[column] = (low + high) / 2
                scale[column] = (high - low) / 2
            case .identity:
                break
            }
            scale[column] = max(scale[column], minimumScale)
        }
        return Normalizer(kind: kind, offset: offset, scale: scale)
    }

    /// Number of features.
    public var features: Int { offset.count }

    /// Normalises rows in place.
    public func normalize(_ data: inout Tensor) {
        let features = self.features
        data.scalars.withUnsafeMutableBufferPointer { x in
            for index in x.indices {
                let column = index % features
                x[index] = (x[index] - offset[column]) / scale[column]
            }
        }
    }

    /// Undoes ``normalize(_:)`` in place.
    public func denormalize(_ data: inout Tensor) {
        let features = self.features
        data.scalars.withUnsafeMutableBufferPointer { x in
            for index in x.indices {
                let column = index % features
                x[index] = x[index] * scale[column] + offset[column]
            }
        }
    }
}
