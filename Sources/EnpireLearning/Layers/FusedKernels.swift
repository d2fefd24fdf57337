import CKernels
import Foundation

/// Activation folded into a preceding ``Linear`` by ``Sequential`` (one pass instead of two).
enum FusedActivation: Sendable {
    /// `max(0, x)`; its gradient needs only the output.
    case relu
    /// `tanh(x)`; its gradient needs only the output.
    case tanh
    /// No activation (bias only).
    case identity

    /// The activation code of the C kernels (`ENPIRE_ACTIVATION_*`).
    var kernelCode: Int32 {
        switch self {
        case .relu: Int32(ENPIRE_ACTIVATION_RELU)
        case .tanh: Int32(ENPIRE_ACTIVATION_TANH)
        case .identity: Int32(ENPIRE_ACTIVATION_IDENTITY)
        }
    }
}

/// Element-wise kernels of the training step: bias + activation forward, activation gradient + bias gradient
/// backward, sums of squares. Blocks of at least ``parallelThreshold`` elements are split by rows across the
/// cores on the compute pool (``ComputePool``); smaller ones stay on the calling thread (a hand-off costs more
/// than the work).
enum FusedKernels {
    /// Work items (elements × cost) from which a block is split across cores: 2^18 by default, overridable
    /// with the environment variable `ENPIRE_PARALLEL_THRESHOLD` (for measuring; a huge value disables
    /// splitting).
    static let parallelThreshold: Int = {
        if let text = ProcessInfo.processInfo.environment["ENPIRE_PARALLEL_THRESHOLD"], let value = Int(text),
           value > 0 {
            return value
        }
        return 1 << 18
    }()
    /// Chunks a large block is split into: the compute pool's size (``ComputePool``).
    static var chunkCount: Int { ComputePool.size }
    /// Upper bound on chunks, which sizes the per-chunk partial-sum scratch.
    static let maxChunks = ComputePool.maxSize

    /// Calls `body(start, end, chunk)` over `[0, count)` in contiguous chunks; in parallel on the compute pool
    /// when `count · costPerItem ≥ parallelThreshold` (then the closure costs one small allocation; the training
    /// step's kernels are ``PoolKernel``s instead).
    @inline(__always)
    static func forEachChunk(count: Int, costPerItem: Int, _ body: (Int, Int, Int) -> Void) {
        ComputePool.forEachRange(count, chunks: chunks(count: count, costPerItem: costPerItem), body)
    }

    /// Chunks for `count` rows of `costPerItem` work items each: the pool's size from ``parallelThreshold`` on,
    /// else 1.
    @inline(__always)
    static func chunks(count: Int, costPerItem: Int) -> Int {
        count * costPerItem >= parallelThreshold ? max(1, min(chunkCount, count)) : 1
    }

    /// In place over `[rows, columns]`: `y = activation(y + bias)` per row (the C kernel
    /// `enpire_bias_activation`, AVX2 where the CPU has it).
    static func biasActivation(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int,
                               columns: Int, activation: FusedActivation) {
        var kernel = BiasActivationKernel(y: y, bias: bias, rows: rows, columns: columns, code: activation.kernelCode,
                                          chunks: chunks(count: rows, costPerItem: columns))
        ComputePool.run(&kernel)
    }

    /// One pass over `[rows, columns]`: `gradInput = gradOutput · activation'(output)` (skipped for
    /// `.identity`, where `gradInput` may be nil) and, when `biasGradient` is non-nil, the column sums of the
    /// result written (`accumulate == false`) or added to `biasGradient`. The element work is the branch-free C
    /// kernel `enpire_activation_backward` (a ReLU mask as a branch mispredicts on about half the elements).
    ///
    /// `partials` needs `maxChunks · columns` floats (per-chunk column sums when the block is split).
    static func activationBackward(output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                   gradInput: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                                   accumulate: Bool, partials: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                   activation: FusedActivation) {
        precondition(activation == .identity || gradInput != nil, "activationBackward: gradInput is required")
        var kernel = ActivationBackwardKernel(
            output: output, gradOutput: gradOutput, gradInput: gradInput,
            partials: biasGradient == nil ? nil : partials, rows: rows, columns: columns, code: activation.kernelCode,
            chunks: chunks(count: rows, costPerItem: columns))
        let chunks = kernel.chunks
        if biasGradient != nil { partials.update(repeating: 0, count: chunks * columns) }
        ComputePool.run(&kernel)
        guard let biasGradient else { return }
        if !accumulate { biasGradient.update(from: partials, count: columns) } else {
            for column in 0..<columns { biasGradient[column] += partials[column] }
        }
        for chunk in 1..<chunks {
            let sums = partials + chunk * columns
            for column in 0..<columns { biasGradient[column] += sums[column] }
        }
    }

    /// Rows of ``biasActivation(_:bias:rows:columns:activation:)`` per chunk.
    private struct BiasActivationKernel: PoolKernel {
        let y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>
        let rows: Int, columns: Int, code: Int32, chunks: Int

        func run(chunk: Int) {
            let (start, end) = ComputePool.bounds(rows, chunk: chunk, of: chunks)
            enpire_bias_activation(end - start, columns, y + start * columns, bias, code)
        }

        static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void {
            { context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk: Int(chunk)) }
        }
    }

    /// Rows of ``activationBackward(output:gradOutput:gradInput:biasGradient:accumulate:partials:rows:columns:activation:)``
    /// per chunk, each chunk's column sums in its own slot of `partials`.
    private struct ActivationBackwardKernel: PoolKernel {
        let output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>
        let gradInput: UnsafeMutablePointer<Float>?, partials: UnsafeMutablePointer<Float>?
        let rows: Int, columns: Int, code: Int32, chunks: Int

        func run(chunk: Int) {
            let (start, end) = ComputePool.bounds(rows, chunk: chunk, of: chunks)
            let offset = start * columns
            enpire_activation_backward(end - start, columns, output + offset, gradOutput + offset,
                                       gradInput.map { $0 + offset }, partials.map { $0 + chunk * columns }, code)
        }

        static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void {
            { context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk: Int(chunk)) }
        }
    }

    /// `Σ x²` over `count` floats with eight independent SIMD accumulators (vectorises; plain `Float`
    /// accumulation would be serialised by IEEE ordering).
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float { dot(x, x, count: count) }

    /// `Σ x` over `count` floats with eight independent SIMD accumulators.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        let vectorized = count & ~7
        var index = 0
        while index < vectorized {
            accumulator += UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            total += x[index]
            index += 1
        }
        return total
    }

    /// `Σ a·b` over `count` floats with eight independent SIMD accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        let vectorized = count & ~7
        var index = 0
        while index < vectorized {
            accumulator += UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            total += a[index] * b[index]
            index += 1
        }
        return total
    }

    /// `Σ dy·x̂` with `x̂ = (x − mean) · inverseStd` formed on the fly, accumulated exactly as ``dot(_:_:count:)``
    /// accumulates `Σ dy·x̂` over a stored `x̂` (so the sum is the same float).
    @inline(__always)
    static func normalizedDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: Float, inverseStd: Float,
                              count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: mean), scale = SIMD8<Float>(repeating: inverseStd)
        let vectorized = count & ~7
        var index = 0
        while index < vectorized {
            let xhat = (UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - center) * scale
            accumulator += UnsafeRawPointer(dy + index).loadUnaligned(as: SIMD8<Float>.self) * xhat
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            total += dy[index] * ((x[index] - mean) * inverseStd)
            index += 1
        }
        return total
    }

    /// `Σ (x − mean)²` over `count` floats with eight independent SIMD accumulators (the second pass of a
    /// two-pass variance, which does not cancel like `E[x²] − E[x]²`).
    @inline(__always)
    static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, mean: Float, count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        let center = SIMD8<Float>(repeating: mean)
        let vectorized = count & ~7
        var index = 0
        while index < vectorized {
            let value = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - center
            accumulator += value * value
            index += 8
        }
        var total = accumulator.sum()
        while index < count {
            let value = x[index] - mean
            total += value * value
            index += 1
        }
        return total
    }
}
