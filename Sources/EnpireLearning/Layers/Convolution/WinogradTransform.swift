/// What ``Conv2d`` needs of a Winograd minimal-filtering transform for its 3×3, stride-1, padding-1 convolutions
/// (the residual blocks'): per example, the input tiles' transform `V`, one matrix product per tile position `ξ`
/// (`M[ξ] = U[ξ] · V[ξ]`, `[out, in] · [in, tiles]`), and the output transform; backward, the exact adjoints.
///
/// Layouts shared by every transform: `V` and `dV` `[in, positions, tiles]`, `M` and `dM` `[out, positions,
/// tiles]` (each channel's planes together, the products reading them with a leading dimension of
/// `positions · tiles`), `U` and `dU` `[positions, out, in]`, tiles row-major. `M` and `dV` are read exactly once,
/// by ``transformOutput(zeroing:into:bias:scratch:channels:)`` and
/// ``transformInputGradient(zeroing:into:scratch:channels:)``, which zero each channel's planes after reading
/// them, so the products can accumulate onto them with sgemm's `β = 1`. Every transform can take a range of
/// channels, so one example's work can be split across threads.
protocol WinogradTransform: Sendable {
    /// The tiles over one example and the sizes they give.
    var tiling: WinogradTiling { get }

    /// `U` of every (out, in) pair of a `[out, in, 3, 3]` weight.
    func transformWeights(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>)
    /// Adds the adjoint of the weight transform of `dU` onto a `[out, in, 3, 3]` weight gradient.
    func addWeightGradient(_ du: UnsafePointer<Float>, onto gradient: UnsafeMutablePointer<Float>)
    /// `V` of every tile and input channel (in `channels`; `nil` for all) of one NCHW example.
    func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?)
    /// `Y` (NCHW, bias added) from `M`, zeroing each channel's planes of `M` once read.
    func transformOutput(zeroing m: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?)
    /// `dM` from the NCHW output gradient `dY` (the adjoint of the output transform).
    func transformOutputGradient(_ dy: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?)
    /// `dX` (NCHW, written, not added) from `dV` (the adjoint of the input transform, summed where tiles
    /// overlap), zeroing each channel's planes of `dV` once read.
    func transformInputGradient(zeroing dv: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, channels: Range<Int>?)
}

/// How a Winograd transform tiles one example: output tiles of `step × step` pixels (input tiles of `step + 2`,
/// `step` apart), row-major; a height or width that is not a multiple of `step` gets last tiles whose extra outputs
/// are computed and dropped. The transforms work on eight tiles of a tile row at a time over zero-padded planes
/// as wide as whole groups of eight tiles.
struct WinogradTiling: Sendable {
    /// Input shape of one example (the output has the same height and width).
    let input: ImageShape
    /// Output channels.
    let outChannels: Int
    /// Output pixels per tile side.
    let step: Int
    /// Tile rows and columns.
    let tilesHigh: Int, tilesWide: Int
    /// Tiles of a tile row rounded up to whole groups of eight.
    let groupedWide: Int
    /// Rows and columns of the zero-padded plane the input tiles read: one zero row and column before the image,
    /// the rest after it, and `rowSlack` columns after whole groups for the vector loads of a last group.
    let paddedHigh: Int, paddedWide: Int

    init(input: ImageShape, outChannels: Int, step: Int, rowSlack: Int) {
        self.input = input
        self.outChannels = outChannels
        self.step = step
        tilesHigh = (input.height + step - 1) / step
        tilesWide = (input.width + step - 1) / step
        groupedWide = (tilesWide + 7) / 8 * 8
        paddedHigh = step * tilesHigh + 2
        paddedWide = step * groupedWide + rowSlack
    }
}

extension WinogradTransform {
    /// Input shape of one example.
    var input: ImageShape { tiling.input }
    /// Output channels.
    var outChannels: Int { tiling.outChannels }
    /// Tile rows.
    var tilesHigh: Int { tiling.tilesHigh }
    /// Tile columns.
    var tilesWide: Int { tiling.tilesWide }
    /// Tiles of a tile row rounded up to whole groups of eight.
    var groupedWide: Int { tiling.groupedWide }
    /// Rows of the zero-padded plane.
    var paddedHigh: Int { tiling.paddedHigh }
    /// Columns of the zero-padded plane.
    var paddedWide: Int { tiling.paddedWide }
    /// Tile positions `ξ`: the matrix products per example (the input tile's side squared).
    var positions: Int { (tiling.step + 2) * (tiling.step + 2) }
    /// Tiles per example.
    var tiles: Int { tilesHigh * tilesWide }
    /// Floats of `V` (and of `dV`), with the slack a last partial group of tiles reads past the last plane, rounded
    /// up to whole cache lines (the stride of per-thread and per-example copies).
    var inputTransformCount: Int { FloatBuffer.lineRounded(positions * input.channels * tiles + 8) }
    /// Floats of `M` (and of `dM`), with the same slack and rounding.
    var productCount: Int { FloatBuffer.lineRounded(positions * outChannels * tiles + 8) }
    /// Floats of `U` (and of `dU`).
    var weightTransformCount: Int { positions * outChannels * input.channels }
    /// Floats of the scratch one thread's transforms use: one padded plane and a band of padded rows as high as
    /// an input tile (the output side's planes of whole tiles are smaller).
    var scratchCount: Int { FloatBuffer.lineRounded(paddedHigh * paddedWide + (tiling.step + 2) * paddedWide) }
    /// Floats per thread of the buffer that holds `M` forward and `dV` backward (kept at zero between calls).
    var accumulatorCount: Int { max(productCount, inputTransformCount) }
    /// Floats per row of the scratch plane of whole output tiles that the output-side transforms use.
    var tileRowWidth: Int { tiling.step * groupedWide }

    /// Copies channel `c` of the NCHW example `x` into the zero-padded plane (zeroed once per call, so the
    /// padding stays zero), one zero row and column before the image.
    @inline(__always)
    func stageInputChannel(_ c: Int, _ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        let h = input.height, w = input.width, pw = paddedWide, source = x + c * h * w
        for row in 0..<h { (padded + (row + 1) * pw + 1).update(from: source + row * w, count: w) }
    }

    /// Runs `body` on each input channel `c` (in `channels`; `nil` for all) with the padded plane zeroed for it
    /// to add the channel's tiles onto; then zeroes the channel's planes of `dV` and copies the plane's image part
    /// into the NCHW gradient `dx` (the padding's share is dropped).
    @inline(__always)
    func forEachInputGradientChannel(_ channels: Range<Int>?, zeroing dv: UnsafeMutablePointer<Float>,
                                     into dx: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>,
                                     _ body: (Int) -> Void) {
        let h = input.height, w = input.width, pw = paddedWide
        for c in channels ?? 0..<input.channels {
            padded.update(repeating: 0, count: paddedHigh * pw)
            body(c)
            (dv + c * positions * tiles).update(repeating: 0, count: positions * tiles)
            let out = dx + c * h * w
            for row in 0..<h { (out + row * w).update(from: padded + (row + 1) * pw + 1, count: w) }
        }
    }

    /// The end of the output transform's work on channel `k`: zeroes its planes of `M` and copies the image part
    /// of the scratch plane of whole output tiles into the NCHW output `y`, adding the channel's bias.
    @inline(__always)
    func finishOutputChannel(_ k: Int, zeroing m: UnsafeMutablePointer<Float>, from scratch: UnsafePointer<Float>,
                             into y: UnsafeMutablePointer<Float>, bias: Float) {
        let h = input.height, w = input.width, sw = tileRowWidth
        (m + k * positions * tiles).update(repeating: 0, count: positions * tiles)
        let out = y + k * h * w
        for row in 0..<h {
            let source = scratch + row * sw, target = out + row * w
            for j in 0..<w { target[j] = source[j] + bias }
        }
    }

    /// Runs `body` on each output channel `k` (in `channels`; `nil` for all) once that channel of the NCHW output
    /// gradient `dy` lies in the scratch plane of whole output tiles (zeroed once first, so the rows and columns
    /// past the image count as zero).
    @inline(__always)
    func forEachOutputGradientChannel(_ channels: Range<Int>?, _ dy: UnsafePointer<Float>,
                                      scratch: UnsafeMutablePointer<Float>, _ body: (Int) -> Void) {
        let h = input.height, w = input.width, sw = tileRowWidth
        scratch.update(repeating: 0, count: tilesHigh * tiling.step * sw)
        for k in channels ?? 0..<outChannels {
            let gradient = dy + k * h * w
            for row in 0..<h { (scratch + row * sw).update(from: gradient + row * w, count: w) }
            body(k)
        }
    }
}

/// Chooses the Winograd transform of a convolution, if it has one.
enum Winograd {
    /// F(4×4, 3×3) (36 products per 4×4 output tile: 2.25 multiplications per output and channel pair) for a
    /// `batched` convolution (a batch split across the pool) on an image at least 16 pixels high and wide;
    /// F(2×2, 3×3) (4 per output) otherwise: on small images whole 4×4 tiles waste much of their work on padding,
    /// and with one example at a time its 36 products are too small for the matrix library to run them
    /// efficiently (measured slower at batch 1, Docs/Learning.md). `nil` unless the kernel is 3×3, stride 1,
    /// padding 1.
    static func transform(input: ImageShape, outChannels: Int, kernel: Int, stride: Int, padding: Int,
                          batched: Bool) -> (any WinogradTransform)? {
        guard kernel == 3, stride == 1, padding == 1 else { return nil }
        if batched && input.height >= 16 && input.width >= 16 {
            return WinogradF4(input: input, outChannels: outChannels)
        }
        return WinogradF2(input: input, outChannels: outChannels)
    }
}

/// Vector helpers of the tile transforms: eight tiles of a tile row at a time, one per lane.
enum TileLanes {
    /// Eight floats from `p`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// The lanes at or past `valid` (the tiles of a last partial group that lie beyond the tile row).
    @inline(__always)
    static func beyond(_ valid: Int) -> SIMDMask<SIMD8<Int32>> {
        SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(valid))
    }

    /// Stores the first `count` lanes of `value` at `p` (all eight in one store when `count` is 8).
    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
        } else {
            for lane in 0..<count { p[lane] = value[lane] }
        }
    }

    /// The even and the odd floats of the sixteen from `p`.
    @inline(__always)
    static func split(_ p: UnsafePointer<Float>) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        let pair = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        return (pair.evenHalf, pair.oddHalf)
    }

    /// `even` and `odd` interleaved.
    @inline(__always)
    static func interleave(_ even: SIMD8<Float>, _ odd: SIMD8<Float>) -> SIMD16<Float> {
        var pair = SIMD16<Float>()
        pair.evenHalf = even
        pair.oddHalf = odd
        return pair
    }

    /// Writes `even` and `odd` interleaved as sixteen floats at `p`.
    @inline(__always)
    static func merge(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, into p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: interleave(even, odd), as: SIMD16<Float>.self)
    }

    /// Adds `even` and `odd` interleaved onto the sixteen floats at `p`.
    @inline(__always)
    static func mergeAdd(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, onto p: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + interleave(even, odd), as: SIMD16<Float>.self)
    }

    /// The 32 floats from `p` as four vectors: lane `t` of vector `j` is float `4t + j`.
    @inline(__always)
    static func split4(_ p: UnsafePointer<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let all = UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
        let even = all.evenHalf, odd = all.oddHalf
        return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
    }

    /// Writes four vectors as the 32 floats at `p`, float `4t + j` from lane `t` of vector `j` (the inverse of
    /// ``split4(_:)``), as two 16-float halves (arithmetic on a whole `SIMD32` compiles to a loop over lanes).
    @inline(__always)
    static func merge4(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>,
                       into p: UnsafeMutablePointer<Float>) {
        let (low, high) = merged4(c0, c1, c2, c3)
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: low, as: SIMD16<Float>.self)
        raw.storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
    }

    /// The first `count` (at most 32) floats of ``merge4(_:_:_:_:into:)``, nothing past them: a last group of
    /// tiles written straight into an image row.
    @inline(__always)
    static func merge4(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>,
                       into p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 32 { return merge4(c0, c1, c2, c3, into: p) }
        let (low, high) = merged4(c0, c1, c2, c3)
        let raw = UnsafeMutableRawPointer(p)
        if count >= 16 {
            raw.storeBytes(of: low, as: SIMD16<Float>.self)
            for lane in 0..<(count - 16) { p[16 + lane] = high[lane] }
        } else {
            for lane in 0..<count { p[lane] = low[lane] }
        }
    }

    /// Adds ``merge4(_:_:_:_:into:)`` of the four vectors onto the 32 floats at `p`.
    @inline(__always)
    static func merge4Add(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>,
                          onto p: UnsafeMutablePointer<Float>) {
        let (low, high) = merged4(c0, c1, c2, c3)
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + low, as: SIMD16<Float>.self)
        raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) + high, toByteOffset: 64,
                       as: SIMD16<Float>.self)
    }

    /// Floats 0…15 and 16…31 of the four vectors merged as in ``merge4(_:_:_:_:into:)``: float `2s` of the 32 is
    /// float `s` of `interleave(c0, c2)` and float `2s + 1` is float `s` of `interleave(c1, c3)`.
    @inline(__always)
    private static func merged4(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>,
                                _ c3: SIMD8<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
        let even = interleave(c0, c2), odd = interleave(c1, c3)
        return (interleave(even.lowHalf, odd.lowHalf), interleave(even.highHalf, odd.highHalf))
    }
}
