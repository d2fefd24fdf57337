/// A trainable tensor with its gradient, stored in buffers that optimisers update in place.
public final class Parameter {
    /// Name in checkpoints (PyTorch `state_dict` style, for example `"layers.0.weight"`).
    public internal(set) var name: String
    /// Shape of the value and of the gradient.
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    let storage: FloatBuffer
    let gradientStorage: FloatBuffer

    /// Creates a parameter with an initial value.
    public init(name: String, value: Tensor) {
        self.name = name
        shape = value.shape
        count = value.count
        storage = FloatBuffer(count: count)
        storage.copy(from: value.scalars)
        gradientStorage = FloatBuffer(count: count)
    }

    /// The current value (a copy); setting it requires the same element count.
    public var value: Tensor {
        get { (try? Tensor(shape: shape, scalars: storage.array(count: count))) ?? Tensor.zeros(shape) }
    }

    /// Replaces the value, failing when the element count differs.
    public func assign(_ newValue: Tensor) throws(TensorError) {
        guard newValue.count == count else {
            throw .shapeMismatch("parameter \(name) has shape \(shape), got \(newValue.shape)")
        }
        storage.copy(from: newValue.scalars)
    }

    /// The gradient from the last backward pass (a copy).
    public var gradient: Tensor {
        (try? Tensor(shape: shape, scalars: gradientStorage.array(count: count))) ?? Tensor.zeros(shape)
    }

    /// Sets the gradient to zero.
    public func zeroGradient() { gradientStorage.zero(count) }
}
