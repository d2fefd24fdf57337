import Foundation

/// Exact overlap of two Push-T tees (bar and stem rectangles), by convex polygon clipping.
enum TeeOverlap {
    static let bar: [(Double, Double)] = [(-60, 0), (60, 0), (60, 30), (-60, 30)]
    static let stem: [(Double, Double)] = [(-15, 30), (15, 30), (15, 120), (-15, 120)]
    static let area = 6300.0

    /// Share of a tee at the origin covered by a tee at body pose (x, y, angle) in the first tee's frame.
    static func coverage(x: Double, y: Double, angle: Double) -> Double {
        let c = cos(angle), s = sin(angle)
        func place(_ polygon: [(Double, Double)]) -> [(Double, Double)] {
            polygon.map { (c * $0.0 - s * $0.1 + x, s * $0.0 + c * $0.1 + y) }
        }
        let moved = [place(bar), place(stem)]
        var total = 0.0
        for goal in [bar, stem] {
            for piece in moved { total += polygonArea(clip(piece, by: goal)) }
        }
        return min(1, max(0, total / area))
    }

    /// Sutherland-Hodgman clipping of `subject` by the convex, counter-clockwise-or-clockwise `clipper`.
    static func clip(_ subject: [(Double, Double)], by clipper: [(Double, Double)]) -> [(Double, Double)] {
        var output = subject
        let orientation = polygonSignedArea(clipper) >= 0 ? 1.0 : -1.0
        for i in 0..<clipper.count {
            guard !output.isEmpty else { break }
            let a = clipper[i], b = clipper[(i + 1) % clipper.count]
            func side(_ p: (Double, Double)) -> Double {
                orientation * ((b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0))
            }
            let input = output
            output = []
            for j in 0..<input.count {
                let p = input[j], q = input[(j + 1) % input.count]
                let sp = side(p), sq = side(q)
                if sp >= 0 { output.append(p) }
                if (sp >= 0) != (sq >= 0) {
                    let t = sp / (sp - sq)
                    output.append((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)))
                }
            }
        }
        return output
    }

    static func polygonSignedArea(_ p: [(Double, Double)]) -> Double {
        guard p.count >= 3 else { return 0 }
        var sum = 0.0
        for i in 0..<p.count {
            let a = p[i], b = p[(i + 1) % p.count]
            sum += a.0 * b.1 - b.0 * a.1
        }
        return sum / 2
    }

    static func polygonArea(_ p: [(Double, Double)]) -> Double { abs(polygonSignedArea(p)) }
}
