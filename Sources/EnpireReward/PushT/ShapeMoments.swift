import Foundation

/// Weighted image moments up to third order, accumulated without storing a mask.
struct ShapeMoments {
    var n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0
    var sxxx = 0.0, sxxy = 0.0, sxyy = 0.0, syyy = 0.0

    /// Adds a point at (x, y) with weight `w`; coordinates are taken relative to the image centre so the sums stay
    /// well conditioned.
    @inline(__always) mutating func add(_ x: Double, _ y: Double, weight w: Double = 1) {
        n += w; sx += w * x; sy += w * y
        let xx = w * x * x, yy = w * y * y, xy = w * x * y
        sxx += xx; sxy += xy; syy += yy
        sxxx += xx * x; sxxy += xx * y; sxyy += x * yy; syyy += yy * y
    }

    /// Removes the moments of `other` (pixels that turned out to belong to something else).
    mutating func subtract(_ other: ShapeMoments) {
        n -= other.n; sx -= other.sx; sy -= other.sy
        sxx -= other.sxx; sxy -= other.sxy; syy -= other.syy
        sxxx -= other.sxxx; sxxy -= other.sxxy; sxyy -= other.sxyy; syyy -= other.syyy
    }

    /// Centroid, major-axis direction (unit vector, sign chosen so the shape's long tail lies along +axis),
    /// and total weight, or nil below `minimumArea`.
    func orientedCentroid(minimumArea: Double) -> (x: Double, y: Double, axisX: Double, axisY: Double, area: Double)? {
        guard n >= max(minimumArea, 1e-9) else { return nil }
        let cx = sx / n, cy = sy / n
        let m20 = sxx / n - cx * cx, m02 = syy / n - cy * cy, m11 = sxy / n - cx * cy
        let theta = 0.5 * atan2(2 * m11, m20 - m02)
        var ux = cos(theta), uy = sin(theta)
        let ex3 = sxxx / n, ex2y = sxxy / n, exy2 = sxyy / n, ey3 = syyy / n
        let ex2 = sxx / n, exy = sxy / n, ey2 = syy / n
        let m30 = ex3 - 3 * cx * ex2 + 2 * cx * cx * cx
        let m03 = ey3 - 3 * cy * ey2 + 2 * cy * cy * cy
        let m21 = ex2y - 2 * cx * exy - cy * ex2 + 2 * cx * cx * cy
        let m12 = exy2 - 2 * cy * exy - cx * ey2 + 2 * cx * cy * cy
        let skew = ux * ux * ux * m30 + 3 * ux * ux * uy * m21 + 3 * ux * uy * uy * m12 + uy * uy * uy * m03
        if skew < 0 { ux = -ux; uy = -uy }
        return (cx, cy, ux, uy, n)
    }
}
