import Foundation

/// Area, centroid and orientation of a binary mask, from its zeroth, first and second moments.
public struct BlobMoments: Sendable, Equatable {
    /// Number of set pixels.
    public var area: Double
    /// Mean x of set pixels (pixel centres at `i + 0.5`).
    public var centroidX: Double
    /// Mean y of set pixels.
    public var centroidY: Double
    /// Central second moments per pixel: variance along x, along y, and covariance.
    public var mu20: Double
    /// Variance along y.
    public var mu02: Double
    /// Covariance of x and y.
    public var mu11: Double

    /// Angle of the major axis in radians (image axes, y down), in (-π/2, π/2].
    public var orientation: Double { 0.5 * atan2(2 * mu11, mu20 - mu02) }

    /// Accumulates moments of the pixels where `mask` is non-zero (`mask` is `width * height`, row-major).
    public static func of(mask: [UInt8], width: Int, height: Int) -> BlobMoments {
        var count = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
        guard width > 0, height > 0, mask.count >= width * height else {
            return BlobMoments(area: 0, centroidX: 0, centroidY: 0, mu20: 0, mu02: 0, mu11: 0)
        }
        mask.withUnsafeBufferPointer { m in
            for y in 0..<height {
                let fy = Double(y) + 0.5
                var rowCount = 0.0, rowX = 0.0, rowXX = 0.0
                let base = y * width
                for x in 0..<width where m[base + x] != 0 {
                    let fx = Double(x) + 0.5
                    rowCount += 1
                    rowX += fx
                    rowXX += fx * fx
                }
                count += rowCount
                sx += rowX
                sxx += rowXX
                sy += rowCount * fy
                syy += rowCount * fy * fy
                sxy += rowX * fy
            }
        }
        guard count > 0 else { return BlobMoments(area: 0, centroidX: 0, centroidY: 0, mu20: 0, mu02: 0, mu11: 0) }
        let cx = sx / count, cy = sy / count
        return BlobMoments(area: count, centroidX: cx, centroidY: cy, mu20: sxx / count - cx * cx,
                           mu02: syy / count - cy * cy, mu11: sxy / count - cx * cy)
    }
}
