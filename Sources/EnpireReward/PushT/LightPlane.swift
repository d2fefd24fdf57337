import Enpire

/// The arena's white level as a plane per colour channel over the image, fitted to bright neutral pixels.
///
/// Dividing a pixel by it cancels exposure, colour casts and a linear illumination gradient: the arena becomes
/// (1, 1, 1) everywhere and the other surfaces keep their colours relative to it.
struct LightPlane {
    /// Per channel: level at the image centre, change per pixel along x, along y.
    private let red: (Double, Double, Double)
    private let green: (Double, Double, Double)
    private let blue: (Double, Double, Double)
    private let halfWidth: Double
    private let halfHeight: Double
    /// Share of sampled pixels that belong to the arena.
    let arenaFraction: Double

    /// Sampling step of the fit: every sixth pixel of every sixth row (about 8,500 samples of a 640x480 frame for
    /// three parameters per channel).
    static let step = 6

    /// Fits the plane on a grid of every ``step``-th pixel of every ``step``-th row.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the image is too small or too little of it looks like the arena.
    init(_ image: RGBImage) throws(RewardError) {
        let width = image.size.width, height = image.size.height
        guard width >= 32, height >= 32, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame \(image.size) is too small or inconsistent; Push-T needs at least 32x32")
        }
        halfWidth = Double(width) / 2
        halfHeight = Double(height) / 2
        let result = image.pixels.withUnsafeBufferPointer { p -> (fit: ((Double, Double, Double), (Double, Double, Double), (Double, Double, Double)), fraction: Double) in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 766) { histogram in
                histogram.initialize(repeating: 0)
                var sampled = 0
                var y = Self.step / 2
                while y < height {
                    var x = Self.step / 2
                    while x < width {
                        let o = (y * width + x) * 3
                        let r = Int(p[o]), g = Int(p[o + 1]), b = Int(p[o + 2])
                        sampled += 1
                        if abs(r - b) < 45, abs(2 * g - r - b) < 60 { histogram[r + g + b] += 1 }
                        x += Self.step
                    }
                    y += Self.step
                }
                // 95th percentile of the neutral sums: the arena's brightest white.
                let neutral = histogram.reduce(0, +)
                var seen = 0, level = 765
                while level > 0, seen + histogram[level] < neutral / 20 { seen += histogram[level]; level -= 1 }
                let floor = Int(0.72 * Double(level))
                // Least squares a + bx·dx + by·dy per channel on the bright neutral samples.
                var s1 = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0
                var vr = (0.0, 0.0, 0.0), vg = (0.0, 0.0, 0.0), vb = (0.0, 0.0, 0.0)
                var whites = 0
                y = Self.step / 2
                while y < height {
                    let dy = Double(y) + 0.5 - Double(height) / 2
                    var x = Self.step / 2
                    while x < width {
                        let o = (y * width + x) * 3
                        let r = Int(p[o]), g = Int(p[o + 1]), b = Int(p[o + 2])
                        if r + g + b >= floor, level >= 300, abs(r - b) < 45, abs(2 * g - r - b) < 60 {
                            let dx = Double(x) + 0.5 - Double(width) / 2
                            whites += 1
                            s1 += 1; sx += dx; sy += dy; sxx += dx * dx; sxy += dx * dy; syy += dy * dy
                            let fr = Double(r), fg = Double(g), fb = Double(b)
                            vr.0 += fr; vr.1 += fr * dx; vr.2 += fr * dy
                            vg.0 += fg; vg.1 += fg * dx; vg.2 += fg * dy
                            vb.0 += fb; vb.1 += fb * dx; vb.2 += fb * dy
                        }
                        x += Self.step
                    }
                    y += Self.step
                }
                let fraction = Double(whites) / Double(max(1, sampled))
                // Solve [[s1 sx sy][sx sxx sxy][sy sxy syy]] · coef = v by Cramer's rule.
                let det = s1 * (sxx * syy - sxy * sxy) - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy)
                func solve(_ t: (Double, Double, Double)) -> (Double, Double, Double) {
                    guard abs(det) > 1e-9 * max(1, s1 * sxx * syy) else { return (t.0 / max(s1, 1), 0, 0) }
                    let a = (t.0 * (sxx * syy - sxy * sxy) - sx * (t.1 * syy - sxy * t.2) + sy * (t.1 * sxy - sxx * t.2)) / det
                    let bx = (s1 * (t.1 * syy - sxy * t.2) - t.0 * (sx * syy - sxy * sy) + sy * (sx * t.2 - t.1 * sy)) / det
                    let by = (s1 * (sxx * t.2 - t.1 * sxy) - sx * (sx * t.2 - t.1 * sy) + t.0 * (sx * sxy - sxx * sy)) / det
                    return (a, bx, by)
                }
                return ((solve(vr), solve(vg), solve(vb)), fraction)
            }
        }
        arenaFraction = result.fraction
        guard arenaFraction >= 0.15 else {
            throw .badFrame(
                "only \(Int(arenaFraction * 100))% of the frame looks like the arena; check exposure and view")
        }
        red = result.fit.0
        green = result.fit.1
        blue = result.fit.2
    }

    /// The plane along row `y`, ready to normalise pixels of that row.
    @inline(__always) func row(_ y: Int, width: Int) -> Row {
        let dy = Double(y) + 0.5 - halfHeight
        let dx0 = 0.5 - halfWidth
        return Row(red: (red.0 + red.1 * dx0 + red.2 * dy, red.1),
                   green: (green.0 + green.1 * dx0 + green.2 * dy, green.1),
                   blue: (blue.0 + blue.1 * dx0 + blue.2 * dy, blue.1))
    }

    /// One row of the plane: level at x = 0 and change per pixel, per channel.
    struct Row {
        let red: (Double, Double)
        let green: (Double, Double)
        let blue: (Double, Double)

        /// The pixel at (x, y) divided by the arena white there.
        @inline(__always) func normalise(_ p: UnsafeBufferPointer<UInt8>, x: Int, y: Int, width: Int)
            -> (Double, Double, Double)
        {
            let o = (y * width + x) * 3
            let fx = Double(x)
            let lr = max(8, red.0 + red.1 * fx), lg = max(8, green.0 + green.1 * fx), lb = max(8, blue.0 + blue.1 * fx)
            // One division for three channels (this runs for every pixel the reward looks at).
            let inverse = 1 / (lr * lg * lb)
            return (Double(p[o]) * lg * lb * inverse, Double(p[o + 1]) * lr * lb * inverse,
                    Double(p[o + 2]) * lr * lg * inverse)
        }
    }
}
