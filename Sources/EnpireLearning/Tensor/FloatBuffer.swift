/// A grow-only, manually managed `Float` buffer that layers and optimisers reuse across steps.
///
/// Reference semantics on purpose: activations and gradients are written in place by one owner and read
/// through pointers, so no copy-on-write check or exclusivity conflict can allocate in the hot path.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` elements; reallocates (contents lost) only when growing.
    @inline(__always)
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
    }

    func zero(_ count: Int) {
        pointer.update(repeating: 0, count: count)
    }

    func copy(from array: [Float]) {
        reserve(array.count)
        array.withUnsafeBufferPointer { source in
            pointer.update(from: source.baseAddress!, count: source.count)
        }
    }

    func array(count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
