/// A chain of layers with preallocated activation and gradient blocks.
///
/// The forward pass writes layer `i`'s output into activation block `i + 1`; the backward pass walks the
/// chain in reverse with two ping-pong gradient blocks. Blocks grow to the largest batch seen and are then
/// reused, so a training loop with a fixed batch size allocates nothing per step. The gradient with respect
/// to the network input is available (``backward(_:gradInput:mode:)``), which a SAC actor update needs to
/// push dQ/da from a critic into the actor.
public final class Sequential {
    /// Layers in order.
    public let layers: [any Layer]
    private let activations: [FloatBuffer]
    private let gradients = (FloatBuffer(), FloatBuffer())
    private let maxWidth: Int
    /// `linears[i]` is layer `i` when it is a `Linear`.
    private let linears: [Linear?]
    /// `fusedActivation[i]` is set when layer `i` is a `Linear` directly followed by `ReLU`/`Tanh`: the pair
    /// runs as one product plus one element-wise pass (forward) and one activation+bias-gradient pass (backward).
    private let fusedActivation: [FusedActivation?]
    /// Batch size of the most recent forward pass.
    public private(set) var batchSize = 0

    /// Creates a network, failing when consecutive widths disagree. Each parameter is named by its layer's index
    /// (`"3.weight"`, a previous network's index replaced).
    public convenience init(_ layers: [any Layer]) throws(TensorError) {
        try self.init(layers, naming: true)
    }

    /// Creates a network; with `naming` false the layers' parameters keep their names (a view of another
    /// network's layers, such as ``SharedStemEnsemble``'s, must not rename that network's parameters).
    init(_ layers: [any Layer], naming: Bool) throws(TensorError) {
        guard !layers.isEmpty else { throw .shapeMismatch("a Sequential needs at least one layer") }
        for (index, pair) in zip(layers, layers.dropFirst()).enumerated()
        where pair.0.outputFeatures != pair.1.inputFeatures {
            throw .shapeMismatch("layer \(index) (\(pair.0.kind)) outputs \(pair.0.outputFeatures) features but "
                + "layer \(index + 1) (\(pair.1.kind)) expects \(pair.1.inputFeatures)")
        }
        self.layers = layers
        activations = (0...layers.count).map { _ in FloatBuffer() }
        maxWidth = layers.map { max($0.inputFeatures, $0.outputFeatures) }.max() ?? 1
        linears = layers.map { $0 as? Linear }
        fusedActivation = layers.indices.map { index -> FusedActivation? in
            guard layers[index] is Linear, index + 1 < layers.count else { return nil }
            switch layers[index + 1] {
            case is ReLU: return .relu
            case is Tanh: return .tanh
            default: return nil
            }
        }
        guard naming else { return }
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters {
                // Drop a previous Sequential's index prefix; keep a composite layer's own path (`conv1.weight`).
                var parts = parameter.name.split(separator: ".", omittingEmptySubsequences: false)
                if parts.count > 1, Int(parts[0]) != nil { parts.removeFirst() }
                parameter.name = "\(index).\(parts.joined(separator: "."))"
            }
        }
    }

    /// Input width.
    public var inputFeatures: Int { layers[0].inputFeatures }
    /// Output width.
    public var outputFeatures: Int { layers[layers.count - 1].outputFeatures }

    /// All parameters, named like a PyTorch `nn.Sequential` state dict (`"0.weight"`, `"0.bias"`, ...).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Zeroes every parameter gradient.
    public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }

    /// Runs the network on `[batch, inputFeatures]` (allocates the returned tensor; see the `into:` variant).
    public func forward(_ input: Tensor, training: Bool = false) throws(TensorError) -> Tensor {
        var output = Tensor.zeros([0, 0])
        try forward(input, into: &output, training: training)
        return output
    }

    /// Runs the network, writing `[batch, outputFeatures]` into `output` (no allocation when its size fits).
    public func forward(_ input: Tensor, into output: inout Tensor, training: Bool = false) throws(TensorError) {
        guard input.columns == inputFeatures, input.count % max(inputFeatures, 1) == 0 else {
            throw .shapeMismatch("network expects \(inputFeatures) input features, got shape \(input.shape)")
        }
        let batch = input.count / inputFeatures
        output.resize(rows: batch, columns: outputFeatures)
        input.scalars.withUnsafeBufferPointer { source in
            output.scalars.withUnsafeMutableBufferPointer { destination in
                let result = forward(source.baseAddress!, batchSize: batch, training: training)
                destination.baseAddress!.update(from: result, count: batch * outputFeatures)
            }
        }
    }

    /// Pointer-level forward: copies `batchSize` rows from `input` and returns the network's output block,
    /// valid until the next forward call.
    public func forward(_ input: UnsafePointer<Float>, batchSize: Int, training: Bool) -> UnsafePointer<Float> {
        for (index, layer) in layers.enumerated() {
            activations[index + 1].reserve(batchSize * layer.outputFeatures)
        }
        activations[0].reserve(batchSize * inputFeatures)
        activations[0].pointer.update(from: input, count: batchSize * inputFeatures)
        self.batchSize = batchSize
        var index = 0
        while index < layers.count {
            if let activation = fusedActivation[index], let linear = linears[index] {
                // The pre-activation block (index + 1) is skipped: ReLU/Tanh gradients need only the output.
                linear.forwardFused(activations[index].pointer, activations[index + 2].pointer, batchSize: batchSize,
                                    activation: activation)
                index += 2
                continue
            }
            layers[index].forward(activations[index].pointer, activations[index + 1].pointer, batchSize: batchSize,
                                  training: training)
            index += 1
        }
        return UnsafePointer(activations[layers.count].pointer)
    }

    /// Back-propagates `gradOutput` (`[batch, outputFeatures]`) from the last forward pass.
    public func backward(_ gradOutput: Tensor, mode: ParameterGradientMode = .overwrite) throws(TensorError) {
        guard gradOutput.count == batchSize * outputFeatures else {
            throw .shapeMismatch("gradient \(gradOutput.shape) does not match output [\(batchSize), \(outputFeatures)]")
        }
        gradOutput.scalars.withUnsafeBufferPointer { _ = backward($0.baseAddress!, mode: mode, needInputGradient: false) }
    }

    /// Back-propagates and writes the gradient with respect to the network input into `gradInput`.
    public func backward(_ gradOutput: Tensor, gradInput: inout Tensor, mode: ParameterGradientMode = .overwrite)
        throws(TensorError) {
        guard gradOutput.count == batchSize * outputFeatures else {
            throw .shapeMismatch("gradient \(gradOutput.shape) does not match output [\(batchSize), \(outputFeatures)]")
        }
        gradInput.resize(rows: batchSize, columns: inputFeatures)
        let count = batchSize * inputFeatures
        gradOutput.scalars.withUnsafeBufferPointer { source in
            gradInput.scalars.withUnsafeMutableBufferPointer { destination in
                if let result = backward(source.baseAddress!, mode: mode, needInputGradient: true) {
                    destination.baseAddress!.update(from: result, count: count)
                }
            }
        }
    }

    /// Pointer-level backward; returns the input gradient block when requested (valid until the next call).
    @discardableResult
    public func backward(_ gradOutput: UnsafePointer<Float>, mode: ParameterGradientMode, needInputGradient: Bool)
        -> UnsafePointer<Float>? {
        gradients.0.reserve(batchSize * maxWidth)
        gradients.1.reserve(batchSize * maxWidth)
        var upstream = gradOutput
        var useFirst = true
        for index in layers.indices.reversed() {
            let isFirst = index == 0
            let target = useFirst ? gradients.0.pointer : gradients.1.pointer
            let destination: UnsafeMutablePointer<Float>? = (isFirst && !needInputGradient) ? nil : target
            if index > 0, let activation = fusedActivation[index - 1], let linear = linears[index - 1] {
                // Activation gradient and the preceding Linear's bias gradient in one pass.
                FusedKernels.activationBackward(
                    output: activations[index + 1].pointer, gradOutput: upstream, gradInput: target,
                    biasGradient: mode == .skip ? nil : linear.bias.gradientStorage.pointer,
                    accumulate: mode == .accumulate, partials: linear.biasScratch.pointer, rows: batchSize,
                    columns: layers[index].inputFeatures, activation: activation)
            } else if fusedActivation[index] != nil, let linear = linears[index] {
                linear.backward(input: activations[index].pointer, gradOutput: upstream, gradInput: destination,
                                batchSize: batchSize, mode: mode, biasGradientDone: true)
            } else {
                layers[index].backward(input: activations[index].pointer, output: activations[index + 1].pointer,
                                       gradOutput: upstream, gradInput: destination, batchSize: batchSize,
                                       mode: mode)
            }
            upstream = UnsafePointer(target)
            useFirst.toggle()
        }
        return needInputGradient ? upstream : nil
    }

    /// Current parameter values by name (a PyTorch-compatible state dict).
    public func stateDictionary() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
    }

    /// Loads parameter values by name, failing on a missing name or a shape mismatch.
    public func load(stateDictionary: [String: Tensor]) throws(TensorError) {
        for parameter in parameters {
            guard let value = stateDictionary[parameter.name] else {
                throw .shapeMismatch("state dictionary has no tensor named \(parameter.name)")
            }
            guard value.shape == parameter.shape else {
                throw .shapeMismatch("\(parameter.name): expected shape \(parameter.shape), got \(value.shape)")
            }
            try parameter.assign(value)
        }
    }
}
