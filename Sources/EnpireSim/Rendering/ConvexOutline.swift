import Foundation

/// Offsets of convex polygons, so that gym-pusht's "fill, then 4-pixel outline centred on the edges" becomes two
/// filled convex shapes: the polygon grown by the half width (round corners, like pygame's end caps) in the
/// outline colour, and the polygon shrunk by the half width in the fill colour.
enum ConvexOutline {
    /// Arc steps per quarter turn when rounding a corner (the radius is 2 world pixels: two steps are invisible).
    static let stepsPerQuarterTurn = 2

    /// The polygon (or segment, given as two points) grown by `radius`, corners rounded.
    static func grown(_ vertices: [(x: Double, y: Double)], by radius: Double) -> [(x: Double, y: Double)] {
        let count = vertices.count
        let orientation: Double = signedArea(vertices) >= 0 ? 1 : -1
        var result: [(x: Double, y: Double)] = []
        for (vertex, incoming, outgoing) in corners(vertices, orientation: orientation) {
            var sweep = outgoing - incoming
            // The corner turns the same way as the polygon; a two-point segment turns half a circle.
            while sweep * orientation < 0 { sweep += 2 * Double.pi * orientation }
            if count == 2 { sweep = Double.pi * orientation }
            let steps = max(1, Int((sweep.magnitude / (Double.pi / 2) * Double(stepsPerQuarterTurn)).rounded(.up)))
            for step in 0...steps {
                let angle = incoming + sweep * Double(step) / Double(steps)
                result.append((vertex.x + radius * cos(angle), vertex.y + radius * sin(angle)))
            }
        }
        return result
    }

    /// The convex polygon shrunk by `inset` (every edge moved inwards, corners kept sharp).
    static func shrunk(_ vertices: [(x: Double, y: Double)], by inset: Double) -> [(x: Double, y: Double)] {
        let orientation: Double = signedArea(vertices) >= 0 ? 1 : -1
        var result: [(x: Double, y: Double)] = []
        for (vertex, n1, n2) in corners(vertices, orientation: orientation) {
            // The moved corner lies along the bisector of the two normals, at inset / cos(half the turn).
            var turn = n2 - n1
            if turn > Double.pi { turn -= 2 * Double.pi }
            if turn <= -Double.pi { turn += 2 * Double.pi }
            let half = turn / 2
            let bisector = n1 + half
            let distance = inset / cos(half)
            result.append((vertex.x - distance * cos(bisector), vertex.y - distance * sin(bisector)))
        }
        return result
    }

    /// Every corner with the angles of the outward normals of its incoming and outgoing edges.
    private static func corners(_ vertices: [(x: Double, y: Double)], orientation: Double)
        -> [(vertex: (x: Double, y: Double), incoming: Double, outgoing: Double)] {
        let count = vertices.count
        return (0..<count).map { index in
            let previous = vertices[(index + count - 1) % count]
            let vertex = vertices[index]
            let next = vertices[(index + 1) % count]
            return (vertex, outwardNormalAngle(from: previous, to: vertex, orientation: orientation),
                    outwardNormalAngle(from: vertex, to: next, orientation: orientation))
        }
    }

    private static func signedArea(_ vertices: [(x: Double, y: Double)]) -> Double {
        var area = 0.0
        for index in 0..<vertices.count {
            let a = vertices[index], b = vertices[(index + 1) % vertices.count]
            area += a.x * b.y - b.x * a.y
        }
        return area / 2
    }

    private static func outwardNormalAngle(
        from a: (x: Double, y: Double), to b: (x: Double, y: Double), orientation: Double
    ) -> Double {
        // For positive signed area the interior lies to the left of each edge (in x-right, y-down terms the
        // formula is the same), so the outward normal is the edge direction turned by -90 degrees.
        atan2(-(b.x - a.x) * orientation, (b.y - a.y) * orientation)
    }
}
