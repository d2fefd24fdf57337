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
        let sameWidth = stride == 1 && outWidth == w
        for c in 0..<input.channels {
            let plane = x + c * h * w
            for kh in 0..<kernel {
                for kw in 0..<kernel {
                    let row = col + ((c * kernel + kh) * kernel + kw) * columns
                    let (first, end) = validRange(kw)
                    if sameWidth {
                        shiftedCopy(plane, into: row, kh: kh, kw: kw, first: first, end: end)
                        continue
                    }
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

    /// Output rows `oh` in `[first, end)` read an input row inside the image for kernel row `kh` (stride 1).
    @inline(__always)
    private func validRows(_ kh: Int) -> (first: Int, end: Int) {
        // ih = oh − padding + kh ∈ [0, height)
        let first = max(0, padding - kh), end = min(outHeight, input.height + padding - kh)
        return (first, max(first, end))
    }

    /// The row of kernel offset `(kh, ·)` (valid output columns `[first, end)`) of a stride-1 convolution whose
    /// output is as wide as its input: output pixel `oh·w + ow` reads input pixel `oh·w + ow` shifted by one
    /// constant, so every valid row is one contiguous copy (the short per-row copies cost more than the matrix
    /// product of a batch-1 network). The copy also brings in the floats between one row's last valid column
    /// and the next row's first (they wrap around from the neighbouring input row); those, and the rows above and
    /// below the image, are zeroed afterwards. Reads only input pixels of the plane.
    @inline(__always)
    private func shiftedCopy(_ plane: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>, kh: Int,
                             kw: Int, first: Int, end: Int) {
        let w = input.width, total = outHeight * w
        let (top, bottom) = validRows(kh)
        guard bottom > top, end > first else {
            row.update(repeating: 0, count: total)
            return
        }
        let start = top * w + first, stop = (bottom - 1) * w + end
        row.update(repeating: 0, count: start)
        (row + start).update(from: plane + (top - padding + kh) * w + first - padding + kw,
                             count: stop - start)
        (row + stop).update(repeating: 0, count: total - stop)
        let gap = w - end + first
        if gap > 0 {
            Self.zeroGaps(row + top * w + end, count: bottom - 1 - top, gap: gap, pitch: w)
        }
    }

    /// Zeroes `count` runs of `gap` floats, `pitch` apart from `start` (a one-float run, the usual padding of one,
    /// is a store rather than a `memset` call).
    @inline(__always)
    static func zeroGaps(_ start: UnsafeMutablePointer<Float>, count: Int, gap: Int, pitch: Int) {
        if gap == 1 {
            for run in 0..<count { start[run &* pitch] = 0 }
        } else {
            for run in 0..<count { (start + run * pitch).update(repeating: 0, count: gap) }
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
    /// the caller zeroes first). For a stride-1 convolution as wide as its input, the entries of `col` that
    /// belong to no input pixel (left of the first valid column or right of the last) are set to zero on the way,
    /// so each row is added as one contiguous range (adding those zeros changes nothing).
    func col2im(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, leading: Int) {
        let h = input.height, w = input.width, columns = leading
        let sameWidth = stride == 1 && outWidth == w
        for c in 0..<input.channels {
            let plane = dx + c * h * w
            for kh in 0..<kernel {
                for kw in 0..<kernel {
                    let row = col + ((c * kernel + kh) * kernel + kw) * columns
                    let (first, end) = validRange(kw)
                    guard end > first else { continue }
                    if sameWidth {
                        let (top, bottom) = validRows(kh)
                        guard bottom > top else { continue }
                        let gap = w - end + first
                        if gap > 0 {
                            Self.zeroGaps(row + top * w + end, count: bottom - 1 - top, gap: gap, pitch: w)
                        }
                        let start = top * w + first, count = (bottom - 1) * w + end - start
                        let source = UnsafePointer(row + start)
                        let target = plane + (top - padding + kh) * w + first - padding + kw
                        for j in 0..<count { target[j] += source[j] }
                        continue
                    }
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
