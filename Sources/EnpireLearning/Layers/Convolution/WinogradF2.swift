/// Winograd's minimal filtering F(2×2, 3×3) for ``Conv2d``'s 3×3, stride-1, padding-1 convolutions taken one
/// example at a time (batch 1) and on images smaller than 16 pixels (``WinogradF4`` takes split batches of larger
/// ones): each 2×2 output tile is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` over its 4×4 input tile `d`, so the products take
/// 16 multiplications per tile and channel pair instead of 36 (Lavin and Gray, 2016).
///
/// Over a whole example the element-wise products become 16 matrix products, one per tile position `ξ`:
/// `M[ξ] = U[ξ] · V[ξ]` with `U[ξ]` `[out, in]` (transformed weights), `V[ξ]` `[in, tiles]` (transformed input) and
/// `M[ξ]` `[out, tiles]` (accumulated with sgemm's `β = 1` onto planes kept at zero between calls). The backward
/// pass is the exact adjoint of that computation: `dM = A dY Aᵀ` per tile,
/// `dU[ξ] += dM[ξ] · V[ξ]ᵀ` (then `dW = Gᵀ dU G`) and `dV[ξ] = U[ξ]ᵀ · dM[ξ]` (then `dX = B dV Bᵀ` added onto
/// the overlapping input tiles). In exact arithmetic every result equals the direct convolution's; in `Float` they
/// differ by rounding (the transforms add and halve, they do not amplify errors much at this tile size).
///
/// Layouts: `V` and `dV` `[in, 16, tiles]`, `M` and `dM` `[out, 16, tiles]` (each channel's sixteen planes, one
/// per ξ and `tiles` floats apart, together, so a transform writes and reads one compact block per channel; the
/// products read `V[ξ]` and write `M[ξ]` with a leading dimension of `16 · tiles`), `U` and `dU` `[16, out, in]`,
/// tiles row-major over `⌈H/2⌉ × ⌈W/2⌉`. An odd height or width gets a last tile whose extra output row or column
/// is computed and dropped (its gradient is zero). The tile transforms work on eight tiles of a tile row at once
/// (`SIMD8`, even and odd columns split and merged in registers) over zero-padded planes as wide as whole groups
/// of eight tiles; a last partial group reads a few floats past its plane (the buffers carry that slack) and
/// stores only its own tiles. Every transform can take a range of channels, so one example's work can be split
/// across threads (`channels`; `nil` for all).
struct WinogradF2: WinogradTransform {
    /// 2×2 output tiles, 4×4 input tiles.
    let tiling: WinogradTiling

    init(input: ImageShape, outChannels: Int) {
        tiling = WinogradTiling(input: input, outChannels: outChannels, step: 2, rowSlack: 2)
    }

    /// `U = G g Gᵀ` for every (out, in) pair of a `[out, in, 3, 3]` weight, with `G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]`.
    func transformWeights(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * input.channels
        for pair in 0..<pairs {
            let g = weight + pair * 9
            var t = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())   // G g by column: 4 rows of each of 3 columns
            for column in 0..<3 {
                let g0 = g[column], g1 = g[3 + column], g2 = g[6 + column]
                let value = SIMD4<Float>(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                switch column {
                case 0: t.0 = value
                case 1: t.1 = value
                default: t.2 = value
                }
            }
            for row in 0..<4 {
                let t0 = t.0[row], t1 = t.1[row], t2 = t.2[row]
                u[(row * 4) * pairs + pair] = t0
                u[(row * 4 + 1) * pairs + pair] = 0.5 * (t0 + t1 + t2)
                u[(row * 4 + 2) * pairs + pair] = 0.5 * (t0 - t1 + t2)
                u[(row * 4 + 3) * pairs + pair] = t2
            }
        }
    }

    /// Adds `Gᵀ dU G` of every (out, in) pair onto a `[out, in, 3, 3]` weight gradient.
    func addWeightGradient(_ du: UnsafePointer<Float>, onto gradient: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * input.channels
        for pair in 0..<pairs {
            var s = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())   // dU G by column: 4 rows of each of 3 columns
            for row in 0..<4 {
                let d0 = du[(row * 4) * pairs + pair], d1 = du[(row * 4 + 1) * pairs + pair]
                let d2 = du[(row * 4 + 2) * pairs + pair], d3 = du[(row * 4 + 3) * pairs + pair]
                s.0[row] = d0 + 0.5 * (d1 + d2)
                s.1[row] = 0.5 * (d1 - d2)
                s.2[row] = 0.5 * (d1 + d2) + d3
            }
            let g = gradient + pair * 9
            for column in 0..<3 {
                let c = column == 0 ? s.0 : column == 1 ? s.1 : s.2
                g[column] += c[0] + 0.5 * (c[1] + c[2])
                g[3 + column] += 0.5 * (c[1] - c[2])
                g[6 + column] += 0.5 * (c[1] + c[2]) + c[3]
            }
        }
    }

    /// `V = Bᵀ d B` of every tile and input channel of one example, with `Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0;
    /// 0 1 0 −1]`: each channel is copied into the zero-padded plane, each band of four padded rows is combined
    /// row-wise once (`Bᵀ d`), then column-wise eight tiles at a time.
    func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let pw = paddedWide, plane = tiles
        let padded = scratch, rows = scratch + paddedHigh * pw
        padded.update(repeating: 0, count: paddedHigh * pw)
        for c in channels ?? 0..<input.channels {
            stageInputChannel(c, x, into: padded)
            let r0 = rows, r1 = rows + pw, r2 = rows + 2 * pw, r3 = rows + 3 * pw
            for ty in 0..<tilesHigh {
                let p0 = padded + 2 * ty * pw, p1 = p0 + pw, p2 = p1 + pw, p3 = p2 + pw
                for j in 0..<pw {
                    r0[j] = p0[j] - p2[j]
                    r1[j] = p1[j] + p2[j]
                    r2[j] = p2[j] - p1[j]
                    r3[j] = p1[j] - p3[j]
                }
                let base = v + c * 16 * plane + ty * tilesWide
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let count = min(8, tilesWide - group)
                    for i in 0..<4 {
                        let r = rows + i * pw + 2 * group
                        let (a0, a1) = TileLanes.split(r), (a2, a3) = TileLanes.split(r + 2)
                        let o = base + (i * 4) * plane + group
                        TileLanes.store(a0 - a2, o, count)
                        TileLanes.store(a1 + a2, o + plane, count)
                        TileLanes.store(a2 - a1, o + 2 * plane, count)
                        TileLanes.store(a1 - a3, o + 3 * plane, count)
                    }
                }
            }
        }
    }

    /// `Y = Aᵀ M A + b` of every tile and output channel of one example into its NCHW output, with
    /// `Aᵀ = [1 1 1 0; 0 1 −1 −1]`, eight tiles at a time into a scratch plane of whole tiles, whose image part
    /// (a last odd row or column dropped) is then copied out with the bias. Each channel's planes of `M` are
    /// zeroed once read, so the next products can accumulate onto them.
    func transformOutput(zeroing m: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let plane = tiles, sw = tileRowWidth
        for k in channels ?? 0..<outChannels {
            for ty in 0..<tilesHigh {
                let base = m + k * 16 * plane + ty * tilesWide, row0 = scratch + 2 * ty * sw, row1 = row0 + sw
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let mm = base + group
                    // Aᵀ M by column j: s0[j] = m0j + m1j + m2j, s1[j] = m1j − m2j − m3j.
                    func column(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                        let m0 = TileLanes.load(mm + j * plane), m1 = TileLanes.load(mm + (4 + j) * plane)
                        let m2 = TileLanes.load(mm + (8 + j) * plane), m3 = TileLanes.load(mm + (12 + j) * plane)
                        return (m0 + m1 + m2, m1 - m2 - m3)
                    }
                    let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
                    TileLanes.merge(c0.0 + c1.0 + c2.0, c1.0 - c2.0 - c3.0, into: row0 + 2 * group)
                    TileLanes.merge(c0.1 + c1.1 + c2.1, c1.1 - c2.1 - c3.1, into: row1 + 2 * group)
                }
            }
            finishOutputChannel(k, zeroing: m, from: scratch, into: y, bias: bias[k])
        }
    }

    /// `dM = A dY Aᵀ` of every tile and output channel of one example (`dY` NCHW, copied into a zeroed scratch
    /// plane of whole tiles, so a dropped row or column counts as zero), eight tiles at a time.
    func transformOutputGradient(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let plane = tiles, sw = tileRowWidth
        forEachOutputGradientChannel(channels, dy, scratch: scratch) { k in
            for ty in 0..<tilesHigh {
                let base = dm + k * 16 * plane + ty * tilesWide, row0 = scratch + 2 * ty * sw, row1 = row0 + sw
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let count = min(8, tilesWide - group)
                    let (a, b) = TileLanes.split(row0 + 2 * group), (c, d) = TileLanes.split(row1 + 2 * group)
                    // A [a b; c d] Aᵀ with A = [1 0; 1 1; 1 −1; 0 −1]: row i of A·dY is (left_i, right_i).
                    let lefts = (a, a + c, a - c, -c), rights = (b, b + d, b - d, -d)
                    for i in 0..<4 {
                        let left = i == 0 ? lefts.0 : i == 1 ? lefts.1 : i == 2 ? lefts.2 : lefts.3
                        let right = i == 0 ? rights.0 : i == 1 ? rights.1 : i == 2 ? rights.2 : rights.3
                        let o = base + (i * 4) * plane + group
                        TileLanes.store(left, o, count)
                        TileLanes.store(left + right, o + plane, count)
                        TileLanes.store(left - right, o + 2 * plane, count)
                        TileLanes.store(-right, o + 3 * plane, count)
                    }
                }
            }
        }
    }

    /// `dX = B dV Bᵀ` of every tile and input channel of one example, summed where tiles overlap, written (not
    /// added) into `dx` (NCHW); the padding's share is dropped. Eight tiles at a time (the lanes of a last
    /// partial group past the tile row are zeroed before they are added anywhere). Each channel's planes of `dV`
    /// are zeroed once read, so the next products can accumulate onto them.
    func transformInputGradient(zeroing dv: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?) {
        let pw = paddedWide, plane = tiles, padded = scratch
        forEachInputGradientChannel(channels, zeroing: dv, into: dx, padded: padded) { c in
            for ty in 0..<tilesHigh {
                let base = dv + c * 16 * plane + ty * tilesWide, p0 = padded + 2 * ty * pw
                for group in stride(from: 0, to: tilesWide, by: 8) {
                    let outside = TileLanes.beyond(tilesWide - group)
                    let vv = base + group
                    // q = B dV by column j (B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1]): rows 0…3 of column j.
                    func column(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                        let v0 = TileLanes.load(vv + j * plane).replacing(with: 0, where: outside)
                        let v1 = TileLanes.load(vv + (4 + j) * plane).replacing(with: 0, where: outside)
                        let v2 = TileLanes.load(vv + (8 + j) * plane).replacing(with: 0, where: outside)
                        let v3 = TileLanes.load(vv + (12 + j) * plane).replacing(with: 0, where: outside)
                        return (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3)
                    }
                    let q0 = column(0), q1 = column(1), q2 = column(2), q3 = column(3)
                    // Row i of q Bᵀ: (q_i0, q_i1 − q_i2 + q_i3, −q_i0 + q_i1 + q_i2, −q_i3) at columns 2tx … 2tx + 3.
                    func add(_ i: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) {
                        let target = p0 + i * pw + 2 * group
                        TileLanes.mergeAdd(a, b - c + d, onto: target)
                        TileLanes.mergeAdd(-a + b + c, -d, onto: target + 2)
                    }
                    add(0, q0.0, q1.0, q2.0, q3.0)
                    add(1, q0.1, q1.1, q2.1, q3.1)
                    add(2, q0.2, q1.2, q2.2, q3.2)
                    add(3, q0.3, q1.3, q2.3, q3.3)
                }
            }
        }
    }
}
