/// A grow-only, manually managed `Float` buffer that layers and optimisers reuse across steps.
///
/// Reference semantics on purpose: activations and gradients are written in place by one owner and read
/// through pointers, so no copy-on-write check or exclusivity conflict can allocate in the hot path. The storage
/// starts on a cache line (64 bytes), so regions laid out at multiples of ``lineFloats`` from it do too: a 64-byte
/// vector load then never straddles two lines.
final class FloatBuffer {
    /// Floats per 64-byte cache line.
    static let lineFloats = 16
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = Self.allocate(capacity)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// `count` zeroed floats starting on a cache line.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        let floats = raw.bindMemory(to: Float.self, capacity: count)
        floats.initialize(repeating: 0, count: count)
        return floats
    }

    /// `count` rounded up to whole cache lines: the stride of per-thread or per-example regions of one buffer.
    @inline(__always)
    static func lineRounded(_ count: Int) -> Int { (count + lineFloats - 1) / lineFloats * lineFloats }

    /// Makes room for `count` elements; reallocates (contents lost) only when growing.
    @inline(__always)
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        UnsafeMutableRawPointer(pointer).deallocate()
        capacity = count
        pointer = Self.allocate(count)
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
