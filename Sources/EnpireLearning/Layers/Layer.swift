/// How a backward pass treats parameter gradients.
public enum ParameterGradientMode: Sendable {
    /// Overwrite each parameter's gradient with this batch's gradient (the usual training step).
    case overwrite
    /// Add this batch's gradient to the stored one (gradient accumulation, several losses).
    case accumulate
    /// Leave parameter gradients untouched (for example an actor update that only needs dQ/da from a critic).
    case skip
}

/// One differentiable stage of a network with an explicit backward pass.
///
/// The forward pass caches what the backward pass needs (inputs of `Linear`, normalised values of
/// `LayerNorm`, dropout masks) in buffers sized for the largest batch seen, so steady-state training does not
/// allocate. Inputs and outputs are row-major `[batchSize, features]` blocks owned by the caller
/// (``Sequential`` owns one activation block per layer); pointers are valid only during the call.
public protocol Layer: AnyObject {
    /// Short name used in descriptions and checkpoints (for example `"linear"`).
    var kind: String { get }
    /// Features per example this layer expects.
    var inputFeatures: Int { get }
    /// Features per example this layer produces.
    var outputFeatures: Int { get }
    /// Trainable parameters in a stable order (empty for activations).
    var parameters: [Parameter] { get }
    /// Computes `output` from `input` for `batchSize` examples; `training` enables dropout.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                 training: Bool)
    /// Back-propagates `gradOutput` to `gradInput` (when non-nil) and to parameter gradients per `mode`.
    ///
    /// `input` and `output` are the blocks from the most recent forward call.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                  gradInput: UnsafeMutablePointer<Float>?, batchSize: Int, mode: ParameterGradientMode)
}

extension Layer {
    /// Default: no parameters.
    public var parameters: [Parameter] { [] }
}
