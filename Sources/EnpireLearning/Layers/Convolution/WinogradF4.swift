/// Winograd's minimal filtering F(4×4, 3×3) for ``Conv2d``'s 3×3, stride-1, padding-1 convolutions (the residual
/// blocks') of batches split across the pool on images at least 16 pixels high and wide: each 4×4 output tile is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` over its 6×6 input tile `d` (tiles 4 apart, overlapping by 2), so the products
/// take 36 multiplications per tile and channel pair instead of 144, 2.25 per output against F(2×2, 3×3)'s 4
/// (Lavin and Gray, 2016; interpolation points 0, ±1, ±2 and ∞):
///
/// ```
/// Bᵀ = [4  0 −5  0 1 0;  0 −4 −4  1 1 0;  0 4 −4 −1 1 0;  0 −2 −1 2 1 0;  0 2 −1 −2 1 0;  0 4 0 −5 0 1]
/// G  = [1/4 0 0;  −1/6 −1/6 −1/6;  −1/6 1/6 −1/6;  1/24 1/12 1/6;  1/24 −1/12 1/6;  0 0 1]
/// Aᵀ = [1 1 1 1 1 0;  0 1 −1 2 −2 0;  0 1 1 4 4 0;  0 1 −1 8 −8 1]
/// ```
///
/// The products, layouts and backward pass are those of ``WinogradTransform`` with 36 positions (`ξ = 6 · row +
/// column` of the 6×6 tile). The larger tile's transforms multiply by up to 8 where F(2×2, 3×3)'s only add and
/// halve, so results differ from the direct convolution's by somewhat more rounding (tests bound it against the
/// im2col path). Heights and widths that are not multiples of 4 get last tiles whose extra outputs are computed
/// and dropped (their gradients are zero). The transforms work on eight tiles of a tile row at once (`SIMD8`, the
/// four columns of each tile split from and merged into 32 consecutive floats in registers) over zero-padded
/// planes as wide as whole groups of eight tiles, with the slack a last partial group reads past its plane.
struct WinogradF4: WinogradTransform {
    /// 4×4 output tiles, 6×6 input tiles; the padded rows carry room for the 32-float loads of a last group.
    let tiling: WinogradTiling

    init(input: ImageShape, outChannels: Int) {
        tiling = WinogradTiling(input: input, outChannels: outChannels, step: 4, rowSlack: 8)
    }

    /// `Bᵀ v` of a column of six (the input transform, either direction).
    @inline(__always)
    private static func inputRows(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>,
                                  _ v4: SIMD8<Float>, _ v5: SIMD8<Float>) -> Six {
        let a = v4 - v2, b = v3 - v1
        return Six(4 * v0 - 5 * v2 + v4, v3 + v4 - 4 * (v1 + v2), 4 * (v1 - v2) - v3 + v4,
                   a + 2 * b, a - 2 * b, 4 * v1 - 5 * v3 + v5)
    }

    /// `B v` of a column of six (the adjoint of ``inputRows(_:_:_:_:_:_:)``).
    @inline(__always)
    private static func inputColumns(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>,
                                     _ v3: SIMD8<Float>, _ v4: SIMD8<Float>, _ v5: SIMD8<Float>) -> Six {
        let a = v1 - v2, b = v3 - v4
        return Six(4 * v0, 4 * (v2 - v1 + v5) - 2 * b, -5 * v0 - 4 * (v1 + v2) - v3 - v4,
                   a + 2 * b - 5 * v5, v0 + v1 + v2 + v3 + v4, v5)
    }

    /// `Aᵀ v` of a column of six (the output transform).
    @inline(__always)
    private static func outputRows(_ v: Six) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let a = v.v1 + v.v2, b = v.v1 - v.v2, c = v.v3 + v.v4, d = v.v3 - v.v4
        return (v.v0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + v.v5)
    }

    /// `A y` of a column of four (the adjoint of ``outputRows(_:)``).
    @inline(__always)
    private static func outputColumns(_ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>,
                                      _ y3: SIMD8<Float>) -> Six {
        let a = y0 + y2, b = y1 + y3, c = y1 + 4 * y3
        return Six(y0, a + b, a - b, y0 + 4 * y2 + 2 * c, y0 + 4 * y2 - 2 * c, y3)
    }

    /// `G v` of a column of three (the weight transform, either direction), in lanes 0…5.
    @inline(__always)
    private static func weightRows(_ g0: Float, _ g1: Float, _ g2: Float) -> SIMD8<Float> {
        SIMD8(g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6, g0 / 24 + g1 / 12 + g2 / 6,
              g0 / 24 - g1 / 12 + g2 / 6, g2, 0, 0)
    }

    /// `Gᵀ v` of a column of six (the adjoint of ``weightRows(_:_:_:)``).
    @inline(__always)
    private static func weightColumns(_ v0: Float, _ v1: Float, _ v2: Float, _ v3: Float, _ v4: Float,
                                      _ v5: Float) -> (Float, Float, Float) {
        (v0 / 4 - (v1 + v2) / 6 + (v3 + v4) / 24, (v2 - v1) / 6 + (v3 - v4) / 12, (v3 + v4 - v1 - v2) / 6 + v5)
    }

    /// `U = G g Gᵀ` for every (out, in) pair of a `[out, in, 3, 3]` weight.
    func transformWeights(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * input.channels
        for pair in 0..<pairs {
            let g = weight + pair * 9
            // G g, column by column.
            let c0 = Self.weightRows(g[0], g[3], g[6]), c1 = Self.weightRows(g[1], g[4], g[7])
            let c2 = Self.weightRows(g[2], g[5], g[8])
            for row in 0..<6 {
                let values = Self.weightRows(c0[row], c1[row], c2[row])
                for column in 0..<6 { u[(row * 6 + column) * pairs + pair] = values[column] }
            }
        }
    }

    /// Adds `Gᵀ dU G` of every (out, in) pair onto a `[out, in, 3, 3]` weight gradient.
    func addWeightGradient(_ du: UnsafePointer<Float>, onto gradient: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * input.channels
        for pair in 0..<pairs {
            // dU G, row by row: six rows of three.
            @inline(__always)
            func row(_ r: Int) -> (Float, Float, Float) {
                let at = du + r * 6 * pairs + pair
                return Self.weightColumns(at[0], at[pairs], at[2 * pairs], at[3 * pairs], at[4 * pairs], at[5 * pairs])
            }
            let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
            let g = gradient + pair * 9
            let a = Self.weightColumns(r0.0, r1.0, r2.0, r3.0, r4.0, r5.0)
            let b = Self.weightColumns(r0.1, r1.1, r2.1, r3.1, r4.1, r5.1)
            let c = Self.weightColumns(r0.2, r1.2, r2.2, r3.2, r4.2, r5.2)
            g[0] += a.0; g[3] += a.1; g[6] += a.2
            g[1] += b.0; g[4] += b.1; g[7] += b.2
            g[2] += c.0; g[5] += c.1; g[8] += c.2
        }
    }

    /// `V = Bᵀ d B` of every tile and input channel of one example: each channel is copied into the zero-padded
    /// plane, each band of six padded rows is combined row-wise once (`Bᵀ d`), then column-wise eight tiles at a
    /// time.
    func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let pw = paddedWide, plane = tiles
        let padded = scratch, rows = scratch + paddedHigh * pw
        // The row pass covers the columns the tiles read (4 · tilesWide + 2), rounded up to whole vectors; a last
        // partial group's unused lanes read stale columns past them and are never stored.
        let usedWide = (4 * tilesWide + 2 + 7) / 8 * 8
        padded.update(repeating: 0, count: paddedHigh * pw)
        for c in channels ?? 0..<input.channels {
            stageInputChannel(c, x, into: padded)
            for ty in 0..<tilesHigh {
                let p = padded + 4 * ty * pw
                var j = 0
                while j < usedWide {
                    let t = Self.inputRows(TileLanes.load(p + j), TileLanes.load(p + pw + j),
                                           TileLanes.load(p + 2 * pw + j), TileLanes.load(p + 3 * pw + j),
                                           TileLanes.load(p + 4 * pw + j), TileLanes.load(p + 5 * pw + j))
                    t.store(rows + j, stride: pw, count: 8)
                    j += 8
                }
                let base = v + c * 36 * plane + ty * tilesWide
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let count = min(8, tilesWide - group)
                    for i in 0..<6 {
                        let r = rows + i * pw + 4 * group
                        let (a0, a1, a2, a3) = TileLanes.split4(r), (a4, a5, _, _) = TileLanes.split4(r + 4)
                        let t = Self.inputRows(a0, a1, a2, a3, a4, a5)
                        let o = base + (i * 6) * plane + group
                        t.store(o, stride: plane, count: count)
                    }
                }
            }
        }
    }

    /// `Y = Aᵀ M A + b` of every tile and output channel of one example, eight tiles at a time, written with the
    /// bias straight into its NCHW output (the rows and columns of the last tiles past the image are dropped).
    /// Each channel's planes of `M` are zeroed once read.
    func transformOutput(zeroing m: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let plane = tiles, h = input.height, w = input.width
        for k in channels ?? 0..<outChannels {
            let b = SIMD8<Float>(repeating: bias[k]), out = y + k * h * w
            for ty in 0..<tilesHigh {
                let base = m + k * 36 * plane + ty * tilesWide, rows = min(4, h - 4 * ty)
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let mm = base + group, columns = min(32, w - 4 * group)
                    // Aᵀ M by column j: four rows of each of the six columns.
                    @inline(__always)
                    func column(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                        @inline(__always)
                        func at(_ i: Int) -> SIMD8<Float> { TileLanes.load(mm + (i * 6 + j) * plane) }
                        return Self.outputRows(Six(at(0), at(1), at(2), at(3), at(4), at(5)))
                    }
                    let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
                    @inline(__always)
                    func row(_ r: Int, _ s: Six) {
                        guard r < rows else { return }
                        let (y0, y1, y2, y3) = Self.outputRows(s)
                        TileLanes.merge4(y0 + b, y1 + b, y2 + b, y3 + b, into: out + (4 * ty + r) * w + 4 * group,
                                         count: columns)
                    }
                    row(0, Six(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
                    row(1, Six(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
                    row(2, Six(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
                    row(3, Six(c0.3, c1.3, c2.3, c3.3, c4.3, c5.3))
                }
            }
            (m + k * 36 * plane).update(repeating: 0, count: 36 * plane)
        }
    }

    /// `dM = A dY Aᵀ` of every tile and output channel of one example (`dY` NCHW, copied into a zeroed scratch
    /// plane of whole tiles, so the dropped rows and columns count as zero), eight tiles at a time.
    func transformOutputGradient(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let plane = tiles, sw = tileRowWidth
        forEachOutputGradientChannel(channels, dy, scratch: scratch) { k in
            for ty in 0..<tilesHigh {
                let base = dm + k * 36 * plane + ty * tilesWide, top = scratch + 4 * ty * sw
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let count = min(8, tilesWide - group)
                    let r0 = TileLanes.split4(top + 4 * group), r1 = TileLanes.split4(top + sw + 4 * group)
                    let r2 = TileLanes.split4(top + 2 * sw + 4 * group), r3 = TileLanes.split4(top + 3 * sw + 4 * group)
                    // A dY by column c: six rows of each of the four columns.
                    let l0 = Self.outputColumns(r0.0, r1.0, r2.0, r3.0), l1 = Self.outputColumns(r0.1, r1.1, r2.1, r3.1)
                    let l2 = Self.outputColumns(r0.2, r1.2, r2.2, r3.2), l3 = Self.outputColumns(r0.3, r1.3, r2.3, r3.3)
                    for i in 0..<6 {
                        let d = Self.outputColumns(l0[i], l1[i], l2[i], l3[i])
                        let o = base + (i * 6) * plane + group
                        d.store(o, stride: plane, count: count)
                    }
                }
            }
        }
    }

    /// `dX = B dV Bᵀ` of every tile and input channel of one example, summed where tiles overlap, written (not
    /// added) into `dx` (NCHW); the padding's share is dropped. Eight tiles at a time (the lanes of a last
    /// partial group past the tile row are zeroed before they are added anywhere). Each channel's planes of `dV`
    /// are zeroed once read.
    func transformInputGradient(zeroing dv: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let pw = paddedWide, plane = tiles, padded = scratch
        forEachInputGradientChannel(channels, zeroing: dv, into: dx, padded: padded) { c in
            for ty in 0..<tilesHigh {
                let base = dv + c * 36 * plane + ty * tilesWide, top = padded + 4 * ty * pw
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let outside = TileLanes.beyond(tilesWide - group)
                    let vv = base + group
                    // B dV by column j: six rows of each of the six columns.
                    @inline(__always)
                    func column(_ j: Int) -> Six {
                        @inline(__always)
                        func at(_ i: Int) -> SIMD8<Float> {
                            TileLanes.load(vv + (i * 6 + j) * plane).replacing(with: 0, where: outside)
                        }
                        return Self.inputColumns(at(0), at(1), at(2), at(3), at(4), at(5))
                    }
                    let q0 = column(0), q1 = column(1), q2 = column(2), q3 = column(3), q4 = column(4), q5 = column(5)
                    for i in 0..<6 {
                        let d = Self.inputColumns(q0[i], q1[i], q2[i], q3[i], q4[i], q5[i])
                        let target = top + i * pw + 4 * group
                        TileLanes.merge4Add(d.v0, d.v1, d.v2, d.v3, onto: target)
                        TileLanes.merge4Add(d.v4, d.v5, SIMD8(), SIMD8(), onto: target + 4)
                    }
                }
            }
        }
    }
}

/// Six vectors of eight tiles: one column or row of their 6×6 tiles.
struct Six {
    var v0, v1, v2, v3, v4, v5: SIMD8<Float>

    @inline(__always)
    init(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>, _ v4: SIMD8<Float>,
         _ v5: SIMD8<Float>) {
        (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5) = (v0, v1, v2, v3, v4, v5)
    }

    /// Stores the first `count` lanes of each vector, `stride` floats apart from `p` on.
    @inline(__always)
    func store(_ p: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        TileLanes.store(v0, p, count)
        TileLanes.store(v1, p + stride, count)
        TileLanes.store(v2, p + 2 * stride, count)
        TileLanes.store(v3, p + 3 * stride, count)
        TileLanes.store(v4, p + 4 * stride, count)
        TileLanes.store(v5, p + 5 * stride, count)
    }

    @inline(__always)
    subscript(_ index: Int) -> SIMD8<Float> {
        switch index {
        case 0: v0
        case 1: v1
        case 2: v2
        case 3: v3
        case 4: v4
        default: v5
        }
    }
}
