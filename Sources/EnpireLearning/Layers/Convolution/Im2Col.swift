/// The column transforms behind ``Conv2d``: `im2col` lays out every receptive field of one example as a column
/// so a convolution becomes one matrix product, and `col2im` adds columns back onto the image (its adjoint).
///
/// Columns are `[channels · k · k, outHeight · outWidth]`, row `(c·k + kh)·k + kw`, matching a PyTorch weight
/// `[out, in, k, k]` flattened to `[out, in·k·k]`. For stride 1 each row segment is one contiguous copy.
struct Im2Col {
    /// Input shape of one example.
    let input: ImageShape
    /// Square kernel size.
    let kernel: Int
    /// Step between receptive fields.
    let stride: Int
    /// Zero padding on every side.
    let padding: Int
    /// Output rows.
    let outHeight: Int
    /// Output columns.
    let outWidth: Int

    /// Rows of the column matrix.
    var rows: Int { input.channels * kernel * kernel }
    /// Columns of the column matrix (output pixels).
    var columns: Int { outHeight * outWidth }

    /// Output columns `ow` in `[first, end)` read an input column inside the image for kernel column `kw`.
    @inline(__always)
    private func validRange(_ kw: Int) -> (first: Int, end: Int) {
        // iw = ow·stride − padding + kw ∈ [0, width)
        let offset = kw - padding
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = input.width - 1 - offset
        let end = last < 0 ? 0 : min(outWidth, last / stride + 1)
        return (min(first, end), end)
    }

    /// Writes the column matrix of one example `x` into `col`, whose rows are `leading` floats apart (at least
    /// ``columns``; larger when several examples share one matrix side by side).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, leading: Int) {
        let h = input.height, w = input.width, columns = leading
        for c in 0..<input.channels {
            let plane = x + c * h * w
            for kh in 0..<kernel {
                for kw in 0..<kernel {
                    let row = col + ((c * kernel + kh) * kernel + kw) * columns
                    let (first, end) = validRange(kw)
                    for oh in 0..<outHeight {
                        let out = row + oh * outWidth
                        let ih = oh * stride - padding + kh
                        guard ih >= 0, ih < h else {
                            out.update(repeating: 0, count: outWidth)
                            continue
                        }
                        if first > 0 { out.update(repeating: 0, count: first) }
                        if end < outWidth { (out + end).update(repeating: 0, count: outWidth - end) }
                        guard end > first else { continue }
                        let source = plane + ih * w + (first * stride - padding + kw)
                        if stride == 1 {
                            (out + first).update(from: source, count: end - first)
                        } else if stride == 2 {
                            Self.gatherEven(source, into: out + first, count: end - first)
                        } else {
                            for j in 0..<(end - first) { out[first + j] = source[j * stride] }
                        }
                    }
                }
            }
        }
    }

    /// `destination[j] = source[2j]` for `j < count`, eight at a time: sixteen floats loaded, the even half kept
    /// (a strided scalar loop made the stride-2 transform cost more than the matrix product of a batch-1
    /// classifier). The last eight are one more vector that overlaps the ones already written: sixteen floats from
    /// one before `source[2 · (count − 8)]`, the odd half. Reads nothing past `source[2 · (count − 1)]` and, for
    /// eight or fewer, nothing before `source[0]` (those are copied one by one).
    @inline(__always)
    static func gatherEven(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 8 else {
            for j in 0..<count { destination[j] = source[2 &* j] }
            return
        }
        let raw = UnsafeRawPointer(source), target = UnsafeMutableRawPointer(destination)
        let size = MemoryLayout<Float>.stride
        var j = 0
        // A vector at j reads up to source[2j + 15]: within the needed floats while 2j + 15 ≤ 2 · (count − 1).
        while j &+ 9 <= count {
            let pair = raw.loadUnaligned(fromByteOffset: 2 &* j &* size, as: SIMD16<Float>.self)
            target.storeBytes(of: pair.evenHalf, toByteOffset: j &* size, as: SIMD8<Float>.self)
            j &+= 8
        }
        if j < count {
            let last = count &- 8
            let pair = raw.loadUnaligned(fromByteOffset: (2 &* last &- 1) &* size, as: SIMD16<Float>.self)
            target.storeBytes(of: pair.oddHalf, toByteOffset: last &* size, as: SIMD8<Float>.self)
        }
    }

    /// Adds the columns `col` (rows `leading` floats apart) back onto one example's image gradient `dx` (which
    /// the caller zeroes first).
    func col2im(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, leading: Int) {
        let h = input.height, w = input.width, columns = leading
        for c in 0..<input.channels {
            let plane = dx + c * h * w
            for kh in 0..<kernel {
                for kw in 0..<kernel {
                    let row = col + ((c * kernel + kh) * kernel + kw) * columns
                    let (first, end) = validRange(kw)
                    guard end > first else { continue }
                    for oh in 0..<outHeight {
                        let ih = oh * stride - padding + kh
                        guard ih >= 0, ih < h else { continue }
                        let out = row + oh * outWidth + first
                        let target = plane + ih * w + (first * stride - padding + kw)
                        if stride == 1 {
                            for j in 0..<(end - first) { target[j] += out[j] }
                        } else {
                            for j in 0..<(end - first) { target[j * stride] += out[j] }
                        }
                    }
                }
            }
        }
    }
}
