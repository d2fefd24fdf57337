/// A least-squares plane `v = a + bx·x + by·y`, accumulated point by point.
struct PlaneFit {
    private var s1 = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0
    private var sv = 0.0, sxv = 0.0, syv = 0.0

    @inline(__always) mutating func add(_ x: Double, _ y: Double, _ v: Double) {
        s1 += 1; sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y
        sv += v; sxv += x * v; syv += y * v
    }

    var count: Double { s1 }

    /// The fitted plane, its mean alone when the points are nearly collinear, or nil without points.
    func solve() -> Plane? {
        guard s1 > 0 else { return nil }
        let det = s1 * (sxx * syy - sxy * sxy) - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy)
        guard abs(det) > 1e-9 * max(1, s1 * sxx * syy), s1 >= 10 else { return Plane(a: sv / s1, bx: 0, by: 0) }
        let a = (sv * (sxx * syy - sxy * sxy) - sx * (sxv * syy - sxy * syv) + sy * (sxv * sxy - sxx * syv)) / det
        let bx = (s1 * (sxv * syy - sxy * syv) - sv * (sx * syy - sxy * sy) + sy * (sx * syv - sxv * sy)) / det
        let by = (s1 * (sxx * syv - sxv * sxy) - sx * (sx * syv - sxv * sy) + sv * (sx * sxy - sxx * sy)) / det
        return Plane(a: a, bx: bx, by: by)
    }

    /// A plane over image offsets.
    struct Plane {
        var a: Double, bx: Double, by: Double
        @inline(__always) func at(_ x: Double, _ y: Double) -> Double { a + bx * x + by * y }
    }
}

/// The share levels of a shape's inside and of its surroundings, as planes over the image around the shape.
///
/// Colour shares from a camera are not exactly 1 inside a shape and 0 outside: clipped highlights, a light
/// gradient and colour casts scale and offset them by a few percent, differently across the image, and a few
/// percent across a shape is a sizeable part of a pixel in its centroid. Refinement measures both levels near the
/// shape (its inside shrunk from the edges, a band just outside it) and rescales each pixel's share between them.
struct LocalLevels {
    var inside = PlaneFit.Plane(a: 1, bx: 0, by: 0)
    var outside = PlaneFit.Plane(a: 0, bx: 0, by: 0)

    /// The share rescaled so the local outside level maps to 0 and the inside level to 1.
    @inline(__always) func normalised(_ share: Double, _ x: Double, _ y: Double) -> Double {
        let low = outside.at(x, y), high = inside.at(x, y)
        let span = high - low
        guard span > 0.3 else { return share }
        return (share - low) / span
    }
}
