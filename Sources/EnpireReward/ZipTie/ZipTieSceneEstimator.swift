public import Enpire
import Foundation

/// Estimates the zip-tie scene from the top camera: the table fiducials
/// (`ZipTieRenderer.fiducials`, at known positions) calibrate every frame, the red mark's pixels give the mark
/// centre and direction, the dark clamp near the table centre and the tie leaving it give the anchor, and the
/// tie pixel farthest from the clamp along the tie (a breadth-first walk over tie pixels) gives the free end.
///
/// It reads only the frame. Not thread-safe (scratch buffers sized for the resolution, reused); keep one per
/// camera.
public final class ZipTieSceneEstimator {
    /// Size of the frames it measures.
    public let resolution: ImageSize
    /// Fiducial centres in world millimetres (as painted on the table).
    public let fiducials: [[Double]]
    /// Fiducial radius in millimetres.
    public let fiducialRadius: Double
    /// Nominal scale (pixels per millimetre) and world point at the image centre of the top camera.
    public let nominalPixelsPerMillimetre: Double
    /// World point at the image centre in the nominal framing.
    public let nominalCentre: [Double]
    private var classes: [UInt8] = []
    private var distance: [Int32] = []
    private var queue: [Int32] = []

    private enum PixelClass {
        static let other: UInt8 = 0
        static let tie: UInt8 = 1
        static let mark: UInt8 = 2
        static let fiducial: UInt8 = 3
        static let dark: UInt8 = 4
    }

    /// Creates an estimator for the top camera's framing (640 x 480 at 2.5 px/mm around (60, 0) by default).
    public init(resolution: ImageSize = ImageSize(width: 640, height: 480),
                fiducials: [[Double]] = [[-45, 80], [165, 80], [-45, -80], [165, -80]], fiducialRadius: Double = 2,
                nominalPixelsPerMillimetre: Double = 2.5, nominalCentre: [Double] = [60, 0]) {
        self.resolution = resolution
        self.fiducials = fiducials
        self.fiducialRadius = fiducialRadius
        self.nominalPixelsPerMillimetre = nominalPixelsPerMillimetre * Double(resolution.width) / 640
        self.nominalCentre = nominalCentre
        let count = resolution.width * resolution.height
        classes = [UInt8](repeating: 0, count: count)
        distance = [Int32](repeating: -1, count: count)
        queue = [Int32](repeating: 0, count: count)
    }

    /// Measures one top-camera frame; with `markOnly` it skips the clamp and the walk to the free end (for frames
    /// after those two were located: the clamp is fixed and the free end lies still until it is grasped).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` for a frame of another size or with fewer than two visible
    ///   fiducials (the frame cannot be calibrated).
    public func measure(_ image: RGBImage, markOnly: Bool = false) throws(RewardError) -> ZipTieSceneEstimate {
        let width = resolution.width, height = resolution.height
        guard image.size == resolution, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame is \(image.size) but the zip-tie estimator expects \(resolution)")
        }
        classify(image)
        let map = try calibrate()
        let pixelArea = 1 / (map.scale * map.scale)
        // Clamp: dark pixels within 50 mm of the table origin (the anchor's seeded range plus the clamp).
        var clamp = Moments()
        var mark = Moments()
        for y in 0..<height {
            for x in 0..<width {
                let k = classes[y * width + x]
                guard k == PixelClass.mark || (k == PixelClass.dark && !markOnly) else { continue }
                let w = map.world(u: Double(x) + 0.5, v: Double(y) + 0.5)
                if k == PixelClass.mark {
                    mark.add(w.x, w.y)
                } else if w.x * w.x + w.y * w.y < 50 * 50 {
                    clamp.add(w.x, w.y)
                }
            }
        }
        var estimate = ZipTieSceneEstimate(fiducialsFound: 0, mark: nil, markPixels: mark.count, anchor: nil,
                                           freeEnd: nil)
        estimate.fiducialsFound = fiducialCount
        // The clamp is 18 x 16 mm: accept it when at least half of it is seen.
        if !markOnly, Double(clamp.count) * pixelArea > 0.5 * 18 * 16 {
            let c = clamp.mean
            // Tie pixels 8...20 mm from the clamp centre: the first segment leaving the clamp.
            var leaving = Moments()
            for y in 0..<height {
                for x in 0..<width where classes[y * width + x] == PixelClass.tie {
                    let w = map.world(u: Double(x) + 0.5, v: Double(y) + 0.5)
                    let d2 = (w.x - c.x) * (w.x - c.x) + (w.y - c.y) * (w.y - c.y)
                    if d2 > 64, d2 < 400 { leaving.add(w.x, w.y) }
                }
            }
            if Double(leaving.count) * pixelArea > 10 {
                let t = leaving.mean
                let angle = atan2(t.y - c.y, t.x - c.x)
                // The clamp's centre sits 5 mm behind the anchor point along the tie.
                estimate.anchor = [c.x + 5 * cos(angle), c.y + 5 * sin(angle), angle]
                let anchorPixel = map.image(x: c.x + 5 * cos(angle), y: c.y + 5 * sin(angle))
                if let end = farthestTieEnd(from: anchorPixel) {
                    let w = map.world(u: end.point.x, v: end.point.y)
                    estimate.freeEnd = [w.x, w.y]
                    estimate.freeEndAtImageEdge = end.atEdge
                }
            }
        }
        // The painted mark is 8 x 4.5 mm: accept it when at least 40 % of it is seen.
        if Double(mark.count) * pixelArea > 0.4 * 8 * 4.5 {
            let m = mark.mean
            var direction = mark.principalAngle
            if let anchor = estimate.anchor,
               cos(direction) * (m.x - anchor[0]) + sin(direction) * (m.y - anchor[1]) < 0 {
                direction = remainder(direction + Double.pi, 2 * Double.pi)
            }
            estimate.mark = [m.x, m.y, direction]
        }
        return estimate
    }

    /// The tie's free end located in an oblique-camera frame, for when it lies outside the top camera's view.
    ///
    /// The oblique camera shows no fiducials, so each frame is registered to the top camera's estimates: the clamp
    /// and the mark, found near where `framing` (the camera's nominal mount) puts the top camera's `anchor` and
    /// `mark`, give a similarity on top of the nominal mount (the camera's small shift, turn and zoom since it
    /// was installed). The walk along the tie from the anchor then runs in the oblique frame as in the top one.
    /// Call it on an estimator created with the oblique camera's resolution.
    ///
    /// - Parameters:
    ///   - image: the oblique camera's frame.
    ///   - framing: the oblique camera's nominal mount.
    ///   - anchor: anchor [x, y, direction] from the top camera.
    ///   - mark: mark [x, y, ...] from the top camera.
    /// - Returns: the free end [x, y] in world millimetres, or nil when the clamp or the mark is not seen well
    ///   enough to register the frame, or the tie leaves this view too.
    /// - Throws: ``RewardError/badFrame(_:)`` for a frame of another size than the estimator's or the framing's.
    public func obliqueFreeEnd(_ image: RGBImage, framing: ZipTieObliqueFraming, anchor: [Double], mark: [Double])
        throws(RewardError) -> [Double]? {
        let width = resolution.width, height = resolution.height
        guard image.size == resolution, framing.resolution == resolution,
              image.pixels.count == width * height * 3 else {
            throw .badFrame("frame is \(image.size), the estimator expects \(resolution) and the oblique framing "
                + "\(framing.resolution); create the estimator with the oblique camera's resolution")
        }
        guard anchor.count >= 3, mark.count >= 2 else { return nil }
        classify(image)
        let clampCentre = (x: anchor[0] - 5 * cos(anchor[2]), y: anchor[1] - 5 * sin(anchor[2]))
        var clamp = Moments(), marked = Moments()
        for y in 0..<height {
            for x in 0..<width {
                let k = classes[y * width + x]
                guard k == PixelClass.dark || k == PixelClass.mark else { continue }
                let u = Double(x) + 0.5, v = Double(y) + 0.5
                let w = framing.world(u: u, v: v)
                // 25 mm windows: the clamp's half-diagonal (12 mm) plus the camera's possible shift.
                if k == PixelClass.dark, hypot(w.x - clampCentre.x, w.y - clampCentre.y) < 25 {
                    clamp.add(u, v)
                } else if k == PixelClass.mark, hypot(w.x - mark[0], w.y - mark[1]) < 25 {
                    marked.add(u, v)
                }
            }
        }
        let pixelArea = 1 / (framing.pixelsPerMillimetre * framing.pixelsPerMillimetre * framing.foreshortening)
        guard Double(clamp.count) * pixelArea > 0.5 * 18 * 16, Double(marked.count) * pixelArea > 0.4 * 8 * 4.5 else {
            return nil
        }
        // Nominal image points, y flipped for SimilarityTransform2D's world convention (y up).
        let qc = framing.image(x: clampCentre.x, y: clampCentre.y), qm = framing.image(x: mark[0], y: mark[1])
        guard let registration = SimilarityTransform2D.fit(world: [(qc.x, -qc.y), (qm.x, -qm.y)],
                                                           image: [clamp.mean, marked.mean], count: 2),
              abs(registration.scale - 1) < 0.1,
              abs(atan2(registration.alphaImaginary, registration.alphaReal)) < 0.1 else { return nil }
        let qa = framing.image(x: anchor[0], y: anchor[1])
        guard let end = farthestTieEnd(from: registration.image(x: qa.x, y: -qa.y)), !end.atEdge else { return nil }
        let q = registration.world(u: end.point.x, v: end.point.y)
        let w = framing.world(u: q.x, v: -q.y)
        return [w.x, w.y]
    }

    private var fiducialCount = 0

    /// Classifies every pixel. Tie, mark and fiducial by colour; dark (the clamp) by brightness at least
    /// ``darkMargin`` below the table's at that pixel: the table's brightness is a plane in image coordinates
    /// (uneven light is a linear gradient) fitted to the unclassified pixels, so a bright frame does not lift the
    /// clamp out of the dark class nor a dim one push the table into it.
    private func classify(_ image: RGBImage) {
        let width = resolution.width, count = width * resolution.height
        image.pixels.withUnsafeBufferPointer { p in
            classes.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let r = Int(p[3 * i]), g = Int(p[3 * i + 1]), b = Int(p[3 * i + 2])
                    let high = max(r, g)
                    var result = PixelClass.other
                    // Tie and mark as ZipTieFrameAnalyzer classifies them.
                    if high - b >= 70, 4 * r >= 3 * g, g + 12 >= b, (high - min(g, b)) * 100 >= 40 * high {
                        result = (g - b) * 100 <= 35 * (r - b) ? PixelClass.mark : PixelClass.tie
                    } else if r > g + 70, b > g + 70 {
                        result = PixelClass.fiducial
                    }
                    out[i] = result
                }
                let table = tablePlane(pixels: p, classes: UnsafeBufferPointer(out))
                for y in 0..<resolution.height {
                    var level = table.a + table.b * Double(y)
                    for x in 0..<width {
                        let i = y * width + x
                        if out[i] == PixelClass.other,
                           Double(max(p[3 * i], p[3 * i + 1], p[3 * i + 2])) < level - Self.darkMargin {
                            out[i] = PixelClass.dark
                        }
                        level += table.c
                    }
                }
            }
        }
    }

    /// How much darker than the table a pixel must be to count as the clamp, in levels (the clamp is at least
    /// about 58 levels darker under the realistic lighting's extremes; sensor grain is 4 levels).
    static let darkMargin = 30.0

    /// Least-squares plane `a + b·y + c·x` of the brightest channel over a grid of unclassified pixels, refitted
    /// twice without those more than 20 levels off (the clamp, the tools).
    private func tablePlane(pixels p: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>)
        -> (a: Double, b: Double, c: Double) {
        let width = resolution.width, height = resolution.height
        var plane = (a: 150.0, b: 0.0, c: 0.0)
        for iteration in 0..<3 {
            // Normal equations of [1, y, x] · (a, b, c) = value.
            var m = [Double](repeating: 0, count: 9), r = [0.0, 0.0, 0.0]
            var samples = 0
            for y in stride(from: 4, to: height, by: 8) {
                for x in stride(from: 4, to: width, by: 8) where classes[y * width + x] == PixelClass.other {
                    let i = y * width + x
                    let value = Double(max(p[3 * i], p[3 * i + 1], p[3 * i + 2]))
                    let fx = Double(x), fy = Double(y)
                    if iteration > 0, abs(value - (plane.a + plane.b * fy + plane.c * fx)) > 20 { continue }
                    let row = [1, fy, fx]
                    for j in 0..<3 {
                        r[j] += row[j] * value
                        for k in 0..<3 { m[3 * j + k] += row[j] * row[k] }
                    }
                    samples += 1
                }
            }
            guard samples >= 30, let solution = Self.solve3(m, r) else { break }
            plane = (solution[0], solution[1], solution[2])
        }
        return plane
    }

    /// Solves the 3 x 3 system `m · x = r` (row-major) by Cramer's rule; nil when it is singular.
    private static func solve3(_ m: [Double], _ r: [Double]) -> [Double]? {
        func det(_ a: [Double]) -> Double {
            a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        }
        let d = det(m)
        guard abs(d) > 1e-9 else { return nil }
        return (0..<3).map { column in
            var a = m
            for row in 0..<3 { a[3 * row + column] = r[row] }
            return det(a) / d
        }
    }

    private func calibrate() throws(RewardError) -> SimilarityTransform2D {
        let width = resolution.width, height = resolution.height
        let s = nominalPixelsPerMillimetre
        var world: [(x: Double, y: Double)] = [], image: [(x: Double, y: Double)] = []
        let finder = FiducialDots(dots: fiducials, radius: fiducialRadius, pixelsPerMillimetre: s,
                                  centre: nominalCentre, window: Int(16 * s), areaShares: 0.5...1.8)
        classes.withUnsafeBufferPointer { classes in
            finder.locate(classes: classes, width: width, height: height, dotClass: PixelClass.fiducial,
                          world: &world, image: &image)
        }
        fiducialCount = world.count
        guard world.count >= 2, let map = SimilarityTransform2D.fit(world: world, image: image, count: world.count),
              map.scale > 0.5 * s, map.scale < 2 * s else {
            throw .badFrame("found \(world.count) of \(fiducials.count) table fiducials; need 2 unobstructed")
        }
        return map
    }

    /// The centre of the tie pixels farthest (4-connected walk over tie and mark pixels) from the tie pixel
    /// nearest to `start`, in pixels, and whether those pixels touch the image border (the tie leaves the view).
    private func farthestTieEnd(from start: (x: Double, y: Double)) -> (point: (x: Double, y: Double), atEdge: Bool)? {
        let width = resolution.width, height = resolution.height
        // Nearest tie pixel within 12 px of the anchor point.
        var seed = -1, seedDistance = Double.infinity
        let cx = Int(start.x), cy = Int(start.y)
        for y in max(0, cy - 12)..<min(height, cy + 13) {
            for x in max(0, cx - 12)..<min(width, cx + 13) {
                let k = classes[y * width + x]
                guard k == PixelClass.tie || k == PixelClass.mark else { continue }
                let d = (Double(x) + 0.5 - start.x) * (Double(x) + 0.5 - start.x)
                    + (Double(y) + 0.5 - start.y) * (Double(y) + 0.5 - start.y)
                if d < seedDistance { seedDistance = d; seed = y * width + x }
            }
        }
        guard seed >= 0 else { return nil }
        for i in distance.indices { distance[i] = -1 }
        var head = 0, tail = 0
        queue[tail] = Int32(seed); tail += 1
        distance[seed] = 0
        var farthest: Int32 = 0
        while head < tail {
            let i = Int(queue[head]); head += 1
            let x = i % width, y = i / width
            let d = distance[i]
            farthest = max(farthest, d)
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && nx < width && ny >= 0 && ny < height {
                let j = ny * width + nx
                let k = classes[j]
                guard distance[j] < 0, k == PixelClass.tie || k == PixelClass.mark else { continue }
                distance[j] = d + 1
                queue[tail] = Int32(j); tail += 1
            }
        }
        // The end cap (the last ~10 walk steps) and a band further back give the tie's direction at the end; the
        // end point is the cap's centre pushed out to the cap's farthest extent along that direction (a 4-connected
        // walk reaches one corner of the flat end first, so the farthest pixels alone sit off the centre line).
        var cap = Moments(), band = Moments()
        var atEdge = false
        for t in 0..<tail {
            let i = Int(queue[t])
            let x = Double(i % width) + 0.5, y = Double(i / width) + 0.5
            if distance[i] >= farthest - 10 {
                cap.add(x, y)
                let px = i % width, py = i / width
                if px <= 1 || py <= 1 || px >= width - 2 || py >= height - 2 { atEdge = true }
            } else if distance[i] >= farthest - 30, distance[i] < farthest - 20 {
                band.add(x, y)
            }
        }
        guard cap.count > 0 else { return nil }
        let c1 = cap.mean
        guard band.count > 0 else { return (c1, atEdge) }
        let c2 = band.mean
        let norm = hypot(c1.x - c2.x, c1.y - c2.y)
        guard norm > 1e-6 else { return (c1, atEdge) }
        let ux = (c1.x - c2.x) / norm, uy = (c1.y - c2.y) / norm
        var extent = 0.0
        for t in 0..<tail {
            let i = Int(queue[t])
            guard distance[i] >= farthest - 10 else { continue }
            let x = Double(i % width) + 0.5, y = Double(i / width) + 0.5
            extent = max(extent, (x - c1.x) * ux + (y - c1.y) * uy)
        }
        // Pixel centres lie half a pixel inside the edge.
        return ((c1.x + (extent + 0.5) * ux, c1.y + (extent + 0.5) * uy), atEdge)
    }
}

/// Running first and second moments of 2D points.
private struct Moments {
    var count = 0
    var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0

    mutating func add(_ x: Double, _ y: Double) {
        count += 1
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y
    }

    var mean: (x: Double, y: Double) { (sx / Double(max(count, 1)), sy / Double(max(count, 1))) }

    /// Angle of the principal axis, in (−π/2, π/2].
    var principalAngle: Double {
        let n = Double(max(count, 1))
        let mx = sx / n, my = sy / n
        let cxx = sxx / n - mx * mx, cyy = syy / n - my * my, cxy = sxy / n - mx * my
        return 0.5 * atan2(2 * cxy, cxx - cyy)
    }
}
