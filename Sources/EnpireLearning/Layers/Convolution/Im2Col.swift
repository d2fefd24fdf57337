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
                    if sameWidth {
                        shiftedCopy(plane, into: row, span: shiftedSpan(kh: kh, kw: kw))
                        continue
                    }
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

    /// Where the valid part of kernel offset `(kh, kw)`'s column row lies, for a stride-1 convolution whose output
    /// is as wide as its input: output pixel `oh·w + ow` reads input pixel `oh·w + ow + shift` (one constant), so
    /// the valid outputs are the one range `[start, stop)` except `gap` floats after column `end` of each of the
    /// output rows `top..<bottom − 1` (they wrap around from the neighbouring input row). `nil` when no output
    /// pixel reads inside the image. Every input index `start + shift … stop − 1 + shift` lies in the plane.
    @inline(__always)
    private func shiftedSpan(kh: Int, kw: Int) -> ShiftedSpan? {
        let w = input.width, (first, end) = validRange(kw)
        // ih = oh − padding + kh ∈ [0, height)
        let top = max(0, padding - kh), bottom = min(outHeight, input.height + padding - kh)
        guard bottom > top, end > first else { return nil }
        return ShiftedSpan(start: top * w + first, stop: (bottom - 1) * w + end, shift: (kh - padding) * w + kw - padding,
                           firstGap: top * w + end, gaps: bottom - 1 - top, gap: w - end + first)
    }

    /// See ``shiftedSpan(kh:kw:)``.
    private struct ShiftedSpan {
        let start: Int, stop: Int, shift: Int, firstGap: Int, gaps: Int, gap: Int
    }

    /// The row of kernel offset `(kh, kw)` of a stride-1 convolution as wide as its input, as one contiguous copy
    /// of the shifted plane (the short per-row copies cost more than the matrix product of a batch-1 network);
    /// the wrapped-around floats and the rows above and below the image are zeroed afterwards.
    @inline(__always)
    private func shiftedCopy(_ plane: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>, span: ShiftedSpan?) {
        let total = outHeight * input.width
        guard let span else {
            row.update(repeating: 0, count: total)
            return
        }
        row.update(repeating: 0, count: span.start)
        (row + span.start).update(from: plane + span.start + span.shift, count: span.stop - span.start)
        (row + span.stop).update(repeating: 0, count: total - span.stop)
        zeroGaps(row, span)
    }

    /// The adjoint of ``shiftedCopy(_:into:span:)``: zeroes the row's wrapped-around entries, then adds the span
    /// onto the plane in one pass (adding those zeros changes nothing).
    @inline(__always)
    private func shiftedAdd(_ row: UnsafeMutablePointer<Float>, onto plane: UnsafeMutablePointer<Float>,
                            span: ShiftedSpan?) {
        guard let span else { return }
        zeroGaps(row, span)
        let source = UnsafePointer(row + span.start), target = plane + span.start + span.shift
        for j in 0..<(span.stop - span.start) { target[j] += source[j] }
    }

    /// Zeroes the span's wrapped-around floats (a one-float run, the usual padding of one, is a store rather than
    /// a `memset` call).
    @inline(__always)
    private func zeroGaps(_ row: UnsafeMutablePointer<Float>, _ span: ShiftedSpan) {
        guard span.gap > 0 else { return }
        let w = input.width, start = row + span.firstGap
        if span.gap == 1 {
            for run in 0..<span.gaps { start[run &* w] = 0 }
        } else {
            for run in 0..<span.gaps { (start + run * w).update(repeating: 0, count: span.gap) }
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
                    if sameWidth {
                        shiftedAdd(row, onto: plane, span: shiftedSpan(kh: kh, kw: kw))
                        continue
                    }
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
