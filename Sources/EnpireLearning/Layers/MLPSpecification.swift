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

    /// Widest layer a network may have (inputs, hidden layers, outputs).
    public static let maximumWidth = 65_536
    /// Deepest network: most hidden layers.
    public static let maximumHiddenLayers = 64
    /// Most parameters a network may have: 2^28 (1 GiB of `Float`).
    public static let maximumParameterCount = 1 << 28

    /// Number of parameters (weights, biases, LayerNorm scales and shifts), or nil when it overflows `Int`.
    public var parameterCount: Int? {
        let widths = [inputFeatures] + hiddenWidths + [outputFeatures]
        var total = 0
        for (index, (input, output)) in zip(widths, widths.dropFirst()).enumerated() {
            let weights = input.multipliedReportingOverflow(by: output)
            guard !weights.overflow else { return nil }
            let norm = layerNorm && index < hiddenWidths.count ? 2 * output : 0
            let sum = total.addingReportingOverflow(weights.partialValue)
            guard !sum.overflow else { return nil }
            let more = sum.partialValue.addingReportingOverflow(output + norm)
            guard !more.overflow else { return nil }
            total = more.partialValue
        }
        return total
    }

    /// Why this specification cannot be built, or nil: every width must be in 1...``maximumWidth``, at most
    /// ``maximumHiddenLayers`` hidden layers, at most ``maximumParameterCount`` parameters, dropout in 0..<1.
    public var validationProblem: String? {
        let widths = [inputFeatures] + hiddenWidths + [outputFeatures]
        guard widths.allSatisfy({ (1...Self.maximumWidth).contains($0) }) else {
            return "layer widths \(widths) must each be 1...\(Self.maximumWidth)"
        }
        guard hiddenWidths.count <= Self.maximumHiddenLayers else {
            return "\(hiddenWidths.count) hidden layers; at most \(Self.maximumHiddenLayers)"
        }
        guard let count = parameterCount, count <= Self.maximumParameterCount else {
            return "layer widths \(widths) need more than \(Self.maximumParameterCount) parameters"
        }
        guard dropout.isFinite, (0..<1).contains(dropout) else { return "dropout \(dropout) is not in 0..<1" }
        return nil
    }

    /// Builds the network with seeded initialisation.
    ///
    /// - Throws: ``TensorError/outOfLimits(_:)`` when ``validationProblem`` names a problem (before allocating).
    public func makeNetwork(rng: inout SplitMix64) throws(TensorError) -> Sequential {
        if let problem = validationProblem { throw .outOfLimits("network: \(problem)") }
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
