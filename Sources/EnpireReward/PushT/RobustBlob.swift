import Enpire

/// Moments of one colour class, found where that class is densest, so stray noise pixels elsewhere in the frame
/// (sensor noise, a tinted table edge) cannot pull the centroid, tilt the axis or flip the skew.
///
/// Pass 1 samples every fourth pixel of every fourth row, counts class pixels per 16 x 16 cell and seeds at the
/// densest 3 x 3 block of cells. Passes 2 and 3 sample every second pixel of every second row: pass 2 takes the
/// moments within 1.7 `extent` of the seed, pass 3 within `extent` of pass 2's centroid. `extent` is the largest
/// distance from the shape's centroid to its edge.
enum RobustBlob {
    static let cell = 16
    /// Sampling step of the density pass (16 samples a cell).
    static let densityStep = 4

    /// Moments of one class (see the type's description).
    static func moments(_ image: RGBImage, light: LightPlane, extent: Double,
                        belongs: (_ x: Int, _ y: Int, _ r: Double, _ g: Double, _ b: Double) -> Bool) -> ShapeMoments {
        let seeds = densest(image, light: light) { x, y, r, g, b in belongs(x, y, r, g, b) ? 1 : 0 }
        guard let seed = seeds.0 else { return ShapeMoments() }
        return local(image, light: light, seed: seed, extent: extent, belongs: belongs)
    }

    /// The densest places of classes 1 and 2 (`classify` returns 0 for neither), found in one pass.
    static func densest(_ image: RGBImage, light: LightPlane,
                        classify: (_ x: Int, _ y: Int, _ r: Double, _ g: Double, _ b: Double) -> Int)
        -> ((x: Double, y: Double)?, (x: Double, y: Double)?)
    {
        let width = image.size.width, height = image.size.height
        let columns = (width + cell - 1) / cell, rows = (height + cell - 1) / cell
        return image.pixels.withUnsafeBufferPointer { p in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * columns * rows) { counts in
                counts.initialize(repeating: 0)
                var y = 0
                while y < height {
                    let row = light.row(y, width: width)
                    let base = (y / cell) * columns
                    var x = 0
                    while x < width {
                        let (r, g, b) = row.normalise(p, x: x, y: y, width: width)
                        let kind = classify(x, y, r, g, b)
                        if kind > 0 { counts[(kind - 1) * columns * rows + base + x / cell] += 1 }
                        x += densityStep
                    }
                    y += densityStep
                }
                func seed(_ plane: Int) -> (x: Double, y: Double)? {
                    var best = 0, seedX = 0.0, seedY = 0.0
                    let offset = plane * columns * rows
                    for cy in 0..<rows {
                        for cx in 0..<columns {
                            var sum = 0, sx = 0.0, sy = 0.0
                            for dy in max(0, cy - 1)...min(rows - 1, cy + 1) {
                                for dx in max(0, cx - 1)...min(columns - 1, cx + 1) {
                                    let n = Int(counts[offset + dy * columns + dx])
                                    sum += n
                                    sx += Double(n) * (Double(dx * cell) + Double(cell) / 2)
                                    sy += Double(n) * (Double(dy * cell) + Double(cell) / 2)
                                }
                            }
                            if sum > best { best = sum; seedX = sx / Double(sum); seedY = sy / Double(sum) }
                        }
                    }
                    return best > 0 ? (seedX, seedY) : nil
                }
                return (seed(0), seed(1))
            }
        }
    }

    /// Moments of the class pixels within 1.7 `extent` of `seed`, then within `extent` of their centroid.
    static func local(_ image: RGBImage, light: LightPlane, seed: (x: Double, y: Double), extent: Double,
                      belongs: (_ x: Int, _ y: Int, _ r: Double, _ g: Double, _ b: Double) -> Bool) -> ShapeMoments {
        let width = image.size.width, height = image.size.height
        let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
        var seedX = seed.x, seedY = seed.y
        return image.pixels.withUnsafeBufferPointer { p in
            var moments = ShapeMoments()
            for radius in [1.7 * extent, extent] {
                moments = ShapeMoments()
                let y0 = max(0, Int(seedY - radius)) & ~1, y1 = min(height - 1, Int(seedY + radius))
                let x0 = max(0, Int(seedX - radius)) & ~1, x1 = min(width - 1, Int(seedX + radius))
                guard y0 <= y1, x0 <= x1 else { break }
                var y = y0
                while y <= y1 {
                    let row = light.row(y, width: width)
                    let fy = Double(y) + 0.5
                    var x = x0
                    while x <= x1 {
                        let fx = Double(x) + 0.5
                        if (fx - seedX) * (fx - seedX) + (fy - seedY) * (fy - seedY) <= radius * radius {
                            let (r, g, b) = row.normalise(p, x: x, y: y, width: width)
                            if belongs(x, y, r, g, b) { moments.add(fx - halfWidth, fy - halfHeight) }
                        }
                        x += 2
                    }
                    y += 2
                }
                guard moments.n > 0 else { break }
                seedX = moments.sx / moments.n + halfWidth
                seedY = moments.sy / moments.n + halfHeight
            }
            return moments
        }
    }
}
