/// The region an arm's targets must stay in: an axis-aligned box, or the convex hull of taught keyposes
/// grown by a margin (2-D or 3-D command spaces).
public struct Workspace: Sendable, Codable, Equatable {
    /// A half-space `normal · x <= offset` (normal of unit length).
    public struct HalfSpace: Sendable, Codable, Equatable {
        /// Outward unit normal.
        public var normal: [Double]
        /// Offset along the normal.
        public var offset: Double
    }

    /// Faces of the region (box faces or hull faces pushed out by the margin).
    public private(set) var faces: [HalfSpace] {
        didSet { packFaces() }
    }
    /// The faces packed for the hot paths (dimension <= 3): normals padded with zeros.
    private var packedNormals: [SIMD3<Double>] = []
    private var packedOffsets: [Double] = []
    private var boxShaped = false
    /// A point known to be inside (box centre or keypose centroid), the fallback of last resort.
    public private(set) var interiorPoint: [Double]
    /// Number of axes.
    public var dimension: Int { interiorPoint.count }

    private init(faces: [HalfSpace], interiorPoint: [Double]) {
        self.faces = faces
        self.interiorPoint = interiorPoint
        packFaces()
    }

    private mutating func packFaces() {
        boxShaped = faces.allSatisfy { face in face.normal.filter { $0 != 0 }.count == 1 }
        guard faces.first.map({ $0.normal.count <= 3 }) ?? false else {
            packedNormals = []
            packedOffsets = []
            return
        }
        packedNormals = faces.map { Workspace.pack($0.normal) }
        packedOffsets = faces.map(\.offset)
    }

    private static func pack(_ v: [Double]) -> SIMD3<Double> {
        SIMD3(v.count > 0 ? v[0] : 0, v.count > 1 ? v[1] : 0, v.count > 2 ? v[2] : 0)
    }

    private func inside(_ x: SIMD3<Double>) -> Bool {
        for i in packedNormals.indices where (packedNormals[i] * x).sum() > packedOffsets[i] + 1e-9 { return false }
        return true
    }

    /// A box from per-axis limits.
    public static func box(lower: [Double], upper: [Double]) throws -> Workspace {
        guard lower.count == upper.count, !lower.isEmpty else {
            throw SafetyConfigurationError("box limits need the same, non-zero number of axes (got \(lower.count) and \(upper.count))")
        }
        guard zip(lower, upper).allSatisfy({ $0.isFinite && $1.isFinite && $0 <= $1 }) else {
            throw SafetyConfigurationError("box limits must be finite with lower <= upper, got \(lower) ... \(upper)")
        }
        var faces: [HalfSpace] = []
        for axis in lower.indices {
            var up = [Double](repeating: 0, count: lower.count)
            up[axis] = 1
            faces.append(HalfSpace(normal: up, offset: upper[axis]))
            var down = [Double](repeating: 0, count: lower.count)
            down[axis] = -1
            faces.append(HalfSpace(normal: down, offset: -lower[axis]))
        }
        return Workspace(faces: faces, interiorPoint: zip(lower, upper).map { ($0 + $1) / 2 })
    }

    /// The convex hull of taught keyposes (2-D or 3-D positions), each face pushed outward by `margin`.
    public static func hull(keyposes: [[Double]], margin: Double) throws -> Workspace {
        guard let dimension = keyposes.first?.count, dimension == 2 || dimension == 3 else {
            throw SafetyConfigurationError("a keypose hull needs 2-D or 3-D keyposes; use a box for other spaces")
        }
        guard keyposes.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) }) else {
            throw SafetyConfigurationError("every keypose needs \(dimension) finite numbers")
        }
        guard margin.isFinite, margin >= 0 else {
            throw SafetyConfigurationError("the hull margin must be a finite number >= 0, got \(margin)")
        }
        let centroid = (0..<dimension).map { axis in keyposes.map { $0[axis] }.reduce(0, +) / Double(keyposes.count) }
        var faces: [HalfSpace] = []
        let tolerance = 1e-9 * max(1, keyposes.flatMap { $0 }.map(abs).max() ?? 1)
        func consider(_ normal: [Double], through point: [Double]) {
            let length = normal.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard length > 1e-12 else { return }
            var n = normal.map { $0 / length }
            var offset = dot(n, point)
            if dot(n, centroid) > offset { n = n.map { -$0 }; offset = -offset }
            guard keyposes.allSatisfy({ dot(n, $0) <= offset + tolerance }) else { return }
            let face = HalfSpace(normal: n, offset: offset + margin)
            if !faces.contains(where: { zip($0.normal, face.normal).allSatisfy { abs($0 - $1) < 1e-9 } }) {
                faces.append(face)
            }
        }
        let count = keyposes.count
        if dimension == 2 {
            for i in 0..<count { for j in (i + 1)..<count {
                let d = [keyposes[j][0] - keyposes[i][0], keyposes[j][1] - keyposes[i][1]]
                consider([d[1], -d[0]], through: keyposes[i])
            } }
        } else {
            for i in 0..<count { for j in (i + 1)..<count { for k in (j + 1)..<count {
                let a = zip(keyposes[j], keyposes[i]).map(-), b = zip(keyposes[k], keyposes[i]).map(-)
                consider([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]],
                         through: keyposes[i])
            } } }
        }
        guard faces.count > dimension else {
            throw SafetyConfigurationError("the keyposes span no \(dimension)-D volume (they are collinear or coplanar); teach more poses")
        }
        return Workspace(faces: faces, interiorPoint: centroid)
    }

    /// Intersects this region with another of the same dimension (for example a hull with the arm's limits).
    public func intersected(with other: Workspace) throws -> Workspace {
        guard other.dimension == dimension else {
            throw SafetyConfigurationError("cannot intersect a \(dimension)-D workspace with a \(other.dimension)-D one")
        }
        let inside = other.contains(interiorPoint) ? interiorPoint : other.interiorPoint
        var result = Workspace(faces: faces + other.faces, interiorPoint: inside)
        if !result.contains(inside) { result.interiorPoint = result.project(inside) }
        return result
    }

    /// Whether `point` lies inside (within a tolerance of 1e-9).
    public func contains(_ point: [Double]) -> Bool {
        guard point.count == dimension, point.allSatisfy(\.isFinite) else { return false }
        if !packedNormals.isEmpty { return inside(Workspace.pack(point)) }
        return faces.allSatisfy { dot($0.normal, point) <= $0.offset + 1e-9 }
    }

    /// Signed distance to the nearest face (positive inside, negative outside) and that face's outward normal.
    func boundaryDistance(_ point: [Double]) -> (distance: Double, normal: [Double]) {
        var best = (distance: Double.infinity, normal: faces[0].normal)
        for face in faces {
            let d = face.offset - dot(face.normal, point)
            if d < best.distance { best = (d, face.normal) }
        }
        return best
    }

    /// The nearest point inside the region. Boxes clamp per axis; 2-D and 3-D polytopes take the nearest of the
    /// projections onto every face, edge and vertex that lands inside. If rounding leaves no candidate inside,
    /// the interior point is returned, so the result is always inside.
    public func project(_ point: [Double]) -> [Double] {
        guard point.count == dimension, point.allSatisfy(\.isFinite) else { return interiorPoint }
        if contains(point) { return point }
        if boxShaped {
            var clamped = point
            for face in faces {
                guard let axis = face.normal.firstIndex(where: { $0 != 0 }) else { continue }
                let sign = face.normal[axis]
                if sign * clamped[axis] > face.offset { clamped[axis] = face.offset / sign }
            }
            if contains(clamped) { return clamped }
        }
        guard dimension <= 3, !packedNormals.isEmpty else { return interiorPoint }
        let p = Workspace.pack(point)
        var best: SIMD3<Double>?
        var bestDistance = Double.infinity
        func consider(_ candidate: SIMD3<Double>?) {
            guard let candidate, inside(candidate) else { return }
            let d = candidate - p
            let distance = (d * d).sum()
            if distance < bestDistance { bestDistance = distance; best = candidate }
        }
        let normals = packedNormals, offsets = packedOffsets
        let n = normals.count
        for i in 0..<n {
            let ni = normals[i]
            let ri = (ni * p).sum() - offsets[i]
            consider(p - ri * ni)  // normals have unit length
            guard dimension >= 2 else { continue }
            for j in (i + 1)..<n {
                let nj = normals[j]
                let rj = (nj * p).sum() - offsets[j]
                let g = (ni * nj).sum()
                let det = 1 - g * g
                guard abs(det) > 1e-12 else { continue }
                let li = (ri - g * rj) / det, lj = (rj - g * ri) / det
                consider(p - li * ni - lj * nj)
                guard dimension >= 3 else { continue }
                for k in (j + 1)..<n {
                    // Vertex: the point on all three planes.
                    let nk = normals[k]
                    let cross = Workspace.cross(nj, nk)
                    let det3 = (ni * cross).sum()
                    guard abs(det3) > 1e-12 else { continue }
                    let v = (offsets[i] * cross + offsets[j] * Workspace.cross(nk, ni)
                        + offsets[k] * Workspace.cross(ni, nj)) / det3
                    consider(v)
                }
            }
        }
        guard let best else { return interiorPoint }
        let result = Array([best.x, best.y, best.z].prefix(dimension))
        return contains(result) ? result : interiorPoint
    }

    private static func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
    return sum
}

/// A safety configuration that cannot be used as given.
public struct SafetyConfigurationError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and what to do.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
