/// Inputs that took one value on every training row.
///
/// Such an input carries no information, and a mean/std normaliser's scale floor (``Normalizer/minimumScale``,
/// 1e-6) would amplify any later change in it a million times: a force sensor that read exactly 0 in every
/// simulated training episode and 0.2 N of bias on a real arm drives a policy's input to 10^5 standard deviations.
/// ``disconnect(_:normalizer:network:)`` disconnects them instead: the normaliser passes the constant through
/// unscaled (offset the constant, scale 1, so it normalises to exactly 0 on the training rows) and the network's
/// first layer gets zero weights from it. Its gradient is then exactly 0 throughout training, so those weights stay
/// 0 and the trained policy ignores whatever a station sends there.
public enum ConstantInputs {
    /// Indices of the columns of `data` (`[rows, features]`) whose value is the same on every row (none when
    /// there are no rows).
    public static func columns(of data: Tensor) -> [Int] {
        let features = data.columns, rows = data.count / max(features, 1)
        guard rows > 0 else { return [] }
        return (0..<features).filter { column in
            let value = data.scalars[column]
            return (1..<rows).allSatisfy { data.scalars[$0 * features + column] == value }
        }
    }

    /// Disconnects the constant columns of `data` from `normalizer` and from `network`'s first ``Linear`` layer
    /// (see the type's description); returns their indices. Call it after fitting the normaliser on `data` and
    /// before normalising the training inputs and training. A network whose first layer is not a ``Linear`` over
    /// `data`'s features is left alone and the normaliser still passes the constants through unscaled.
    @discardableResult
    public static func disconnect(_ data: Tensor, normalizer: inout Normalizer, network: Sequential) throws -> [Int] {
        let constant = columns(of: data)
        guard !constant.isEmpty else { return [] }
        let features = data.columns
        for column in constant where column < normalizer.features {
            normalizer.offset[column] = data.scalars[column]
            normalizer.scale[column] = 1
        }
        guard let first = network.layers.first as? Linear, first.inputFeatures == features else { return constant }
        var weight = first.weight.value
        for column in constant {
            for row in 0..<first.outputFeatures { weight.scalars[row * features + column] = 0 }
        }
        try first.weight.assign(weight)
        return constant
    }
}
