public import Enpire
/// Activation functions available to ``MLPSpecification``.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `max(0, x)`.
    case relu
    /// `tanh(x)`.
    case tanh
    /// GELU, tanh approximation.
    case gelu
}

/// The recipe of a multilayer perceptron: enough to rebuild it before loading a checkpoint.
public struct MLPSpecification: Sendable, Codable, Equatable {
    /// Input width.
    public var inputFeatures: Int
    /// Width of each hidden layer.
    public var hiddenWidths: [Int]
    /// Output width.
    public var outputFeatures: Int
    /// Hidden activation.
    public var activation: Activation
    /// Insert a LayerNorm after each hidden Linear (before the activation).
    public var layerNorm: Bool
    /// Dropout rate after each hidden activation (0 disables).
    public var dropout: Float
    /// Apply `tanh` to the output (bounded actions).
    public var tanhOutput: Bool

    /// Creates a specification.
    public init(inputFeatures: Int, hiddenWidths: [Int], outputFeatures: Int, activation: Activation = .relu,
                layerNorm: Bool = false, dropout: Float = 0, tanhOutput: Bool = false) {
        self.inputFeatures = inputFeatures
        self.hiddenWidths = hiddenWidths
        self.outputFeatures = outputFeatures
        self.activation = activation
        self.layerNorm = layerNorm
        self.dropout = dropout
        self.tanhOutput = tanhOutput
    }

    /// Builds the network with seeded initialisation.
    public func makeNetwork(rng: inout SplitMix64) throws(TensorError) -> Sequential {
        guard inputFeatures > 0, outputFeatures > 0, hiddenWidths.allSatisfy({ $0 > 0 }) else {
            throw .invalidShape([inputFeatures] + hiddenWidths + [outputFeatures])
        }
        var layers: [any Layer] = []
        var width = inputFeatures
        for hidden in hiddenWidths {
            layers.append(Linear(inputFeatures: width, outputFeatures: hidden, rng: &rng))
            if layerNorm { layers.append(LayerNorm(features: hidden)) }
            switch activation {
            case .relu: layers.append(ReLU(features: hidden))
            case .tanh: layers.append(Tanh(features: hidden))
            case .gelu: layers.append(GELU(features: hidden))
            }
            if dropout > 0 { layers.append(Dropout(features: hidden, rate: dropout, rng: &rng)) }
            width = hidden
        }
        layers.append(Linear(inputFeatures: width, outputFeatures: outputFeatures, rng: &rng))
        if tanhOutput { layers.append(Tanh(features: outputFeatures)) }
        return try Sequential(layers)
    }
}
