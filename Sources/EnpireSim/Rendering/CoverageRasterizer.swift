import Foundation

/// An anti-aliasing scanline rasteriser for a painter's list of flat-coloured layers of convex shapes.
///
/// Each layer is the union of a few convex polygons and discs; its coverage of every pixel is measured on
/// ``subrows`` horizontal sample lines per pixel row, exactly along x (fractional span ends), and the layer's
/// colour is blended over what lies below by that coverage. The union inside a layer is taken per sample line,
/// so shapes of one layer that share an edge (the T's bar and stem) leave no seam. All storage is reserved up
/// front: rendering a frame allocates nothing.
struct CoverageRasterizer {
    /// Sample lines per pixel row (a power of two keeps full coverage exactly 1 in `Float`).
    static let subrows = 4
    /// Largest number of shapes in one layer.
    static let maxPrimitivesPerLayer = 8

    struct Primitive {
        var isDisc: Bool
        var start: Int
        var count: Int
        var centerX: Double
        var centerY: Double
        var radius: Double
        var minX: Double
        var maxX: Double
        var minY: Double
        var maxY: Double
    }

    struct Layer {
        var firstPrimitive: Int
        var primitiveCount: Int
        var red: Float
        var green: Float
        var blue: Float
        var minX: Double
        var maxX: Double
        var minY: Double
        var maxY: Double
    }

    let width: Int
    let height: Int
    private(set) var points: [Double] = []
    private(set) var primitives: [Primitive] = []
    private(set) var layers: [Layer] = []
    /// Linear RGB of the row being composed, `width * 3` values in 0...255.
    var row: [Float]
    private var coverage: [Float]
    private var delta: [Float]
    private var spans: [Double]
    private var merged: [Double]

    init(width: Int, height: Int, maxPoints: Int = 1024, maxPrimitives: Int = 64, maxLayers: Int = 32) {
        self.width = width
        self.height = height
        points.reserveCapacity(maxPoints * 2)
        primitives.reserveCapacity(maxPrimitives)
        layers.reserveCapacity(maxLayers)
        row = [Float](repeating: 0, count: width * 3)
        coverage = [Float](repeating: 0, count: width + 2)
        delta = [Float](repeating: 0, count: width + 2)
        spans = [Double](repeating: 0, count: 2 * Self.maxPrimitivesPerLayer)
        merged = [Double](repeating: 0, count: 2 * Self.maxPrimitivesPerLayer * Self.subrows)
    }

    mutating func removeAllLayers() {
        points.removeAll(keepingCapacity: true)
        primitives.removeAll(keepingCapacity: true)
        layers.removeAll(keepingCapacity: true)
    }

    mutating func beginLayer(_ color: (UInt8, UInt8, UInt8)) {
        layers.append(Layer(
            firstPrimitive: primitives.count, primitiveCount: 0, red: Float(color.0), green: Float(color.1),
            blue: Float(color.2), minX: .infinity, maxX: -.infinity, minY: .infinity, maxY: -.infinity))
    }

    /// Adds a convex polygon (either winding), mapping each vertex through `transform`.
    mutating func addPolygon(_ vertices: [(x: Double, y: Double)], _ transform: AffineTransform2D) {
        let start = points.count / 2
        for vertex in vertices { appendPoint(vertex.x, vertex.y, transform) }
        closePolygon(from: start)
    }

    /// Adds the box `[minX, maxX] × [minY, maxY]` (in the transform's input units), mapping its corners through
    /// `transform`; no vertex array is built.
    mutating func addBox(_ minX: Double, _ minY: Double, _ maxX: Double, _ maxY: Double,
                         _ transform: AffineTransform2D) {
        let start = points.count / 2
        appendPoint(minX, minY, transform)
        appendPoint(maxX, minY, transform)
        appendPoint(maxX, maxY, transform)
        appendPoint(minX, maxY, transform)
        closePolygon(from: start)
    }

    private mutating func appendPoint(_ x: Double, _ y: Double, _ transform: AffineTransform2D) {
        let (px, py) = transform.apply(x, y)
        points.append(px)
        points.append(py)
    }

    /// Ends the polygon whose vertices were appended since point `start`: its bounds and primitive.
    private mutating func closePolygon(from start: Int) {
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
        var index = 2 * start
        while index < points.count {
            let x = points[index], y = points[index + 1]
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            index += 2
        }
        appendPrimitive(Primitive(
            isDisc: false, start: start, count: points.count / 2 - start, centerX: 0, centerY: 0, radius: 0,
            minX: minX, maxX: maxX, minY: minY, maxY: maxY))
    }

    /// Adds a disc given in image pixels.
    mutating func addDisc(centerX: Double, centerY: Double, radius: Double) {
        appendPrimitive(Primitive(
            isDisc: true, start: 0, count: 0, centerX: centerX, centerY: centerY, radius: radius,
            minX: centerX - radius, maxX: centerX + radius, minY: centerY - radius, maxY: centerY + radius))
    }

    private mutating func appendPrimitive(_ primitive: Primitive) {
        let index = layers.count - 1
        guard index >= 0, layers[index].primitiveCount < Self.maxPrimitivesPerLayer else { return }
        primitives.append(primitive)
        layers[index].primitiveCount += 1
        layers[index].minX = min(layers[index].minX, primitive.minX)
        layers[index].maxX = max(layers[index].maxX, primitive.maxX)
        layers[index].minY = min(layers[index].minY, primitive.minY)
        layers[index].maxY = max(layers[index].maxY, primitive.maxY)
    }

    /// Composes pixel row `y` into ``row``: fills it with `background`, then blends every layer in order.
    mutating func composeRow(_ y: Int, background: (Float, Float, Float)) {
        let width = self.width
        let rowTop = Double(y)
        let weight = 1 / Float(Self.subrows)
        let points = self.points
        let primitives = self.primitives
        let layers = self.layers
        row.withUnsafeMutableBufferPointer { row in
            for x in 0..<width {
                row[3 * x] = background.0
                row[3 * x + 1] = background.1
                row[3 * x + 2] = background.2
            }
            coverage.withUnsafeMutableBufferPointer { coverage in
            delta.withUnsafeMutableBufferPointer { delta in
            spans.withUnsafeMutableBufferPointer { spans in
            merged.withUnsafeMutableBufferPointer { merged in
            points.withUnsafeBufferPointer { points in
                for layer in layers where layer.maxY > rowTop && layer.minY < rowTop + 1 {
                    let firstX = max(0, Int(max(layer.minX, 0)))
                    let lastX = min(width - 1, Int(min(max(layer.maxX, 0), Double(width))))
                    if lastX < firstX { continue }
                    // Merged spans of every sample line, kept until we know whether the row is simply filled.
                    var mergedCount = 0
                    var fullLines = 0
                    for sub in 0..<Self.subrows {
                        let sampleY = rowTop + (Double(sub) + 0.5) / Double(Self.subrows)
                        if sampleY < layer.minY || sampleY >= layer.maxY { continue }
                        var count = 0
                        for index in layer.firstPrimitive..<(layer.firstPrimitive + layer.primitiveCount) {
                            let primitive = primitives[index]
                            if sampleY < primitive.minY || sampleY >= primitive.maxY { continue }
                            var left = Double.infinity, right = -Double.infinity
                            if primitive.isDisc {
                                let dy = sampleY - primitive.centerY
                                let squared = primitive.radius * primitive.radius - dy * dy
                                if squared <= 0 { continue }
                                let half = squared.squareRoot()
                                left = primitive.centerX - half
                                right = primitive.centerX + half
                            } else {
                                var previous = primitive.start + primitive.count - 1
                                for current in primitive.start..<(primitive.start + primitive.count) {
                                    let x0 = points[2 * previous], y0 = points[2 * previous + 1]
                                    let x1 = points[2 * current], y1 = points[2 * current + 1]
                                    previous = current
                                    if (sampleY >= y0) == (sampleY >= y1) { continue }
                                    let x = x0 + (sampleY - y0) * (x1 - x0) / (y1 - y0)
                                    left = min(left, x)
                                    right = max(right, x)
                                }
                                if !(right > left) { continue }
                            }
                            // Insertion keeps the spans sorted by their left end for the merge below.
                            var slot = count
                            while slot > 0 && spans[2 * (slot - 1)] > left {
                                spans[2 * slot] = spans[2 * (slot - 1)]
                                spans[2 * slot + 1] = spans[2 * (slot - 1) + 1]
                                slot -= 1
                            }
                            spans[2 * slot] = left
                            spans[2 * slot + 1] = right
                            count += 1
                        }
                        if count == 0 { continue }
                        let lineStart = mergedCount
                        var left = spans[0], right = spans[1]
                        for index in 1..<max(count, 1) where index < count {
                            if spans[2 * index] <= right + 1e-9 {
                                right = max(right, spans[2 * index + 1])
                            } else {
                                merged[2 * mergedCount] = left
                                merged[2 * mergedCount + 1] = right
                                mergedCount += 1
                                left = spans[2 * index]
                                right = spans[2 * index + 1]
                            }
                        }
                        merged[2 * mergedCount] = left
                        merged[2 * mergedCount + 1] = right
                        mergedCount += 1
                        if mergedCount == lineStart + 1 && left <= 0 && right >= Double(width) { fullLines += 1 }
                    }
                    if mergedCount == 0 { continue }
                    if fullLines == Self.subrows {
                        // The layer covers the whole row (the arena): paint it without measuring coverage.
                        for x in 0..<width {
                            row[3 * x] = layer.red
                            row[3 * x + 1] = layer.green
                            row[3 * x + 2] = layer.blue
                        }
                        continue
                    }
                    for index in 0..<mergedCount {
                        Self.accumulate(merged[2 * index], merged[2 * index + 1], weight, width, coverage, delta)
                    }
                    var run: Float = 0
                    for x in firstX...lastX {
                        run += delta[x]
                        delta[x] = 0
                        let amount = coverage[x] + run
                        coverage[x] = 0
                        if amount <= 1e-6 { continue }
                        if amount >= 1 {
                            row[3 * x] = layer.red
                            row[3 * x + 1] = layer.green
                            row[3 * x + 2] = layer.blue
                        } else {
                            row[3 * x] += (layer.red - row[3 * x]) * amount
                            row[3 * x + 1] += (layer.green - row[3 * x + 1]) * amount
                            row[3 * x + 2] += (layer.blue - row[3 * x + 2]) * amount
                        }
                    }
                    delta[lastX + 1] = 0
                }
            }
            }
            }
            }
            }
        }
    }

    /// Adds `weight` times the covered length of `[left, right)` to each pixel: partial ends directly, the
    /// fully covered middle as a difference (+weight, -weight) resolved by a running sum.
    @inline(__always)
    private static func accumulate(
        _ left: Double, _ right: Double, _ weight: Float, _ width: Int,
        _ coverage: UnsafeMutableBufferPointer<Float>, _ delta: UnsafeMutableBufferPointer<Float>
    ) {
        let a = max(left, 0)
        let b = min(right, Double(width))
        if !(b > a) { return }
        let first = Int(a)
        let last = Int(b)
        if first == last {
            coverage[first] += Float(b - a) * weight
            return
        }
        coverage[first] += Float(Double(first + 1) - a) * weight
        delta[first + 1] += weight
        delta[last] -= weight
        if last < width {
            coverage[last] += Float(b - Double(last)) * weight
        }
    }
}

/// A 2-D affine map `(x, y) -> (a x + b y + tx, c x + d y + ty)`.
struct AffineTransform2D {
    var a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double

    static let identity = AffineTransform2D(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

    /// Rotation by `angle` (y down: clockwise on screen for positive angles), then translation.
    static func rigid(angle: Double, x: Double, y: Double) -> AffineTransform2D {
        let cosine = cos(angle), sine = sin(angle)
        return AffineTransform2D(a: cosine, b: -sine, c: sine, d: cosine, tx: x, ty: y)
    }

    @inline(__always)
    func apply(_ x: Double, _ y: Double) -> (Double, Double) {
        (a * x + b * y + tx, c * x + d * y + ty)
    }

    /// `self` after `inner`: maps p to self(inner(p)).
    func concatenating(_ inner: AffineTransform2D) -> AffineTransform2D {
        AffineTransform2D(
            a: a * inner.a + b * inner.c, b: a * inner.b + b * inner.d,
            c: c * inner.a + d * inner.c, d: c * inner.b + d * inner.d,
            tx: a * inner.tx + b * inner.ty + tx, ty: c * inner.tx + d * inner.ty + ty)
    }

    /// Uniform scale factor (the transform is a similarity).
    var scale: Double { (a * d - b * c).magnitude.squareRoot() }
}
