public import Enpire

/// Image operations for reward detectors, each writing into a caller-owned buffer so steady state allocates nothing.
public enum ImageOps {
    /// Copies `region` of `image` into `output` (resized only when its size differs).
    public static func crop(_ image: RGBImage, to region: RegionOfInterest, into output: inout RGBImage) {
        let r = region.clipped(to: image.size)
        let size = ImageSize(width: r.width, height: r.height)
        if output.size != size || output.pixels.count != size.width * size.height * 3 {
            output = RGBImage(size: size)
        }
        guard !r.isEmpty else { return }
        let sourceWidth = image.size.width
        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                for row in 0..<r.height {
                    let from = ((r.y + row) * sourceWidth + r.x) * 3
                    let to = row * r.width * 3
                    for i in 0..<(r.width * 3) { destination[to + i] = source[from + i] }
                }
            }
        }
    }

    /// Averages `factor x factor` blocks of `image` into `output` (partial blocks at the edges are dropped).
    public static func downsample(_ image: RGBImage, factor: Int, into output: inout RGBImage) {
        let f = max(1, factor)
        let size = ImageSize(width: image.size.width / f, height: image.size.height / f)
        if output.size != size || output.pixels.count != size.width * size.height * 3 {
            output = RGBImage(size: size)
        }
        let sourceWidth = image.size.width, area = f * f
        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                for y in 0..<size.height {
                    for x in 0..<size.width {
                        var r = 0, g = 0, b = 0
                        for dy in 0..<f {
                            let base = ((y * f + dy) * sourceWidth + x * f) * 3
                            for dx in 0..<f {
                                r += Int(source[base + dx * 3])
                                g += Int(source[base + dx * 3 + 1])
                                b += Int(source[base + dx * 3 + 2])
                            }
                        }
                        let o = (y * size.width + x) * 3
                        destination[o] = UInt8(r / area)
                        destination[o + 1] = UInt8(g / area)
                        destination[o + 2] = UInt8(b / area)
                    }
                }
            }
        }
    }

    /// Hue (degrees in [0, 360)), saturation and value (both in [0, 1]) of one RGB colour.
    public static func hsv(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (hue: Double, saturation: Double, value: Double) {
        let rf = Double(r) / 255, gf = Double(g) / 255, bf = Double(b) / 255
        let high = max(rf, gf, bf), low = min(rf, gf, bf), delta = high - low
        var hue = 0.0
        if delta > 0 {
            if high == rf {
                hue = 60 * ((gf - bf) / delta).truncatingRemainder(dividingBy: 6)
            } else if high == gf {
                hue = 60 * ((bf - rf) / delta + 2)
            } else {
                hue = 60 * ((rf - gf) / delta + 4)
            }
        }
        if hue < 0 { hue += 360 }
        return (hue, high == 0 ? 0 : delta / high, high)
    }

    /// Chroma distance between two colours: the distance of their brightness-free parts, robust to global
    /// brightness changes (the mean of the three channels is removed before comparing).
    public static func chromaDistance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let ma = Int(a.0) + Int(a.1) + Int(a.2), mb = Int(b.0) + Int(b.1) + Int(b.2)
        let d0 = 3 * (Int(a.0) - Int(b.0)) - (ma - mb)
        let d1 = 3 * (Int(a.1) - Int(b.1)) - (ma - mb)
        let d2 = 3 * (Int(a.2) - Int(b.2)) - (ma - mb)
        return (abs(d0) + abs(d1) + abs(d2)) / 3
    }

    /// Marks with 1 the pixels of `image` whose chroma lies within `tolerance` of `color` (see ``chromaDistance(_:_:)``)
    /// and whose channel mean is at least `minimumBrightness`; writes `width * height` bytes into `mask` and
    /// returns how many were set.
    @discardableResult
    public static func colorMask(_ image: RGBImage, color: (UInt8, UInt8, UInt8), tolerance: Int,
                                 minimumBrightness: Int = 0, into mask: inout [UInt8]) -> Int {
        let count = image.size.width * image.size.height
        if mask.count != count { mask = [UInt8](repeating: 0, count: count) }
        var set = 0
        image.pixels.withUnsafeBufferPointer { p in
            mask.withUnsafeMutableBufferPointer { m in
                for i in 0..<count {
                    let pixel = (p[i * 3], p[i * 3 + 1], p[i * 3 + 2])
                    let bright = (Int(pixel.0) + Int(pixel.1) + Int(pixel.2)) / 3 >= minimumBrightness
                    let hit = bright && chromaDistance(pixel, color) <= tolerance
                    m[i] = hit ? 1 : 0
                    if hit { set += 1 }
                }
            }
        }
        return set
    }
}
