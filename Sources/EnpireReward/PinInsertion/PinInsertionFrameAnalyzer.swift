public import Enpire
import Foundation

/// Measures a pin-insertion side-camera frame: the fiducials give the pixel-to-millimetre map, the block's top
/// face and the hole's slot walls give the hole mouth and axis, the pin's silhouette gives the pin axis.
///
/// Pixels are classified by colour (block blue, pin brass, fiducial magenta, finger green, dark slot), edges of
/// the block are located to a fraction of a pixel from the blue-minus-red level, and lines are fitted robustly
/// through per-column and per-row edge points. Not thread-safe (it owns scratch buffers, reused: steady state
/// allocates nothing); a verifier keeps one behind a lock.
public final class PinInsertionFrameAnalyzer {
    /// The model whose camera and fixture this analyzer measures.
    public let model: PinInsertionVerifierModel
    private var classes: [UInt8] = []
    private var xs: [Double] = []
    private var ys: [Double] = []
    private var keep: [Bool] = []
    private var fiducialWorld: [(x: Double, y: Double)] = []
    private var fiducialImage: [(x: Double, y: Double)] = []

    private enum PixelClass {
        static let other: UInt8 = 0
        static let block: UInt8 = 1
        static let pin: UInt8 = 2
        static let fiducial: UInt8 = 3
        static let finger: UInt8 = 4
        static let dark: UInt8 = 5
    }

    /// Creates an analyzer for `model`.
    public init(model: PinInsertionVerifierModel = PinInsertionVerifierModel()) {
        self.model = model
        let capacity = max(model.resolution.width, model.resolution.height) + 8
        xs = [Double](repeating: 0, count: capacity)
        ys = [Double](repeating: 0, count: capacity)
        keep = [Bool](repeating: true, count: capacity)
        fiducialWorld.reserveCapacity(model.fiducials.count)
        fiducialImage.reserveCapacity(model.fiducials.count)
    }

    /// Measures `image` (which must have the model's resolution).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the size is wrong or a part of the scene cannot be found
    ///   (fewer than two fiducials, no block top, no slot, no pin).
    public func measure(_ image: RGBImage) throws(RewardError) -> PinInsertionMeasurement {
        let (map, hole, holeWidthPixels, mouthY, mouth) = try measureBlock(image)
        let s = map.scale
        let b = hole.slope
        let (pin, pinWidthPixels) = try pinAxis(scale: s)
        let holeDown = map.worldVector(du: b, dv: 1)
        let pinDown = map.worldVector(du: pin.slope, dv: 1)
        let pinPoint = map.world(u: pin.x(at: mouthY), v: mouthY)
        return PinInsertionMeasurement(
            mouth: [mouth.x, mouth.y], holeAngle: atan2(holeDown.x, -holeDown.y), pinAxisPoint: [pinPoint.x, pinPoint.y],
            pinAngle: atan2(pinDown.x, -pinDown.y),
            pinWidth: pinWidthPixels / (1 + pin.slope * pin.slope).squareRoot() / s,
            holeWidth: holeWidthPixels / (1 + b * b).squareRoot() / s,
            fiducialsFound: fiducialImage.count, pixelsPerMillimetre: s)
    }

    /// Measures only the hole: its mouth [x, y] in millimetres and its axis angle in radians (0 = vertical).
    /// Unlike ``measure(_:)`` it does not need the pin in view (a policy locates the hole before it moves).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the size is wrong or the fiducials, the block's top face or
    ///   the slot cannot be found.
    public func measureHole(_ image: RGBImage) throws(RewardError) -> (mouth: [Double], angle: Double) {
        let (map, hole, _, _, mouth) = try measureBlock(image)
        let holeDown = map.worldVector(du: hole.slope, dv: 1)
        return ([mouth.x, mouth.y], atan2(holeDown.x, -holeDown.y))
    }

    /// Classifies the frame, calibrates it from the fiducials and fits the block's top face and hole axis.
    private func measureBlock(_ image: RGBImage) throws(RewardError)
        -> (map: SimilarityTransform2D, hole: RobustLineFit, holeWidthPixels: Double, mouthRow: Double,
            mouth: (x: Double, y: Double)) {
        let width = image.size.width, height = image.size.height
        guard image.size == model.resolution, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame is \(image.size) but the pin verifier expects \(model.resolution)")
        }
        classify(image)
        let map = try fiducialMap()
        let s = map.scale
        guard s > 0.5 * model.nominalPixelsPerMillimetre, s < 2 * model.nominalPixelsPerMillimetre else {
            throw .badFrame("fiducials give \(s) px/mm, far from the nominal \(model.nominalPixelsPerMillimetre)")
        }
        let top = try blockTop(image, scale: s)
        let (hole, holeWidthPixels) = try holeAxis(image, top: top.line, slotCentre: top.slotCentre, scale: s)
        // Mouth: where the hole axis (x = a + b y) meets the top face (y = c + d x).
        let a = hole.intercept, b = hole.slope, c = top.line.intercept, d = top.line.slope
        let mouthY = (c + d * a) / (1 - d * b), mouthX = a + b * mouthY
        return (map, hole, holeWidthPixels, mouthY, map.world(u: mouthX, v: mouthY))
    }

    // MARK: - Pixel classes

    private func classify(_ image: RGBImage) {
        let count = image.size.width * image.size.height
        if classes.count != count { classes = [UInt8](repeating: 0, count: count) }
        image.pixels.withUnsafeBufferPointer { p in
            classes.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let r = Int(p[3 * i]), g = Int(p[3 * i + 1]), b = Int(p[3 * i + 2])
                    let high = max(r, g, b), low = min(r, g, b)
                    var result = PixelClass.other
                    if b > r + 40, b >= g, (high - low) * 100 >= 30 * high {
                        result = PixelClass.block
                    } else if r > b + 80, g > b, r >= g, (g - b) * 100 >= 15 * (r - b), (g - b) * 100 <= 85 * (r - b) {
                        result = PixelClass.pin
                    } else if r > g + 70, b > g + 70 {
                        result = PixelClass.fiducial
                    } else if g > r + 40, g > b + 20 {
                        result = PixelClass.finger
                    } else if high < 100 {
                        result = PixelClass.dark
                    }
                    out[i] = result
                }
            }
        }
    }

    // MARK: - Fiducials

    private func fiducialMap() throws(RewardError) -> SimilarityTransform2D {
        let width = model.resolution.width, height = model.resolution.height
        fiducialWorld.removeAll(keepingCapacity: true)
        fiducialImage.removeAll(keepingCapacity: true)
        let finder = FiducialDots(dots: model.fiducials, radius: model.fiducialRadius,
                                  pixelsPerMillimetre: model.nominalPixelsPerMillimetre, centre: model.nominalCentre,
                                  window: model.fiducialSearchPixels, areaShares: 0.6...1.6)
        classes.withUnsafeBufferPointer { classes in
            finder.locate(classes: classes, width: width, height: height, dotClass: PixelClass.fiducial,
                          world: &fiducialWorld, image: &fiducialImage)
        }
        guard fiducialImage.count >= 2,
              let map = SimilarityTransform2D.fit(world: fiducialWorld, image: fiducialImage, count: fiducialImage.count)
        else {
            throw .badFrame("found \(fiducialImage.count) of \(model.fiducials.count) fiducials; need 2 unobstructed")
        }
        return map
    }

    // MARK: - Block top face

    private func blockTop(_ image: RGBImage, scale s: Double) throws(RewardError)
        -> (line: RobustLineFit, slotCentre: Double) {
        let width = model.resolution.width, height = model.resolution.height
        var deepStart = -1, bestDeepStart = -1, bestDeepLength = 0
        let holePixels = model.holeWidth * s
        let (fit, count) = fitLine(outlierDistance: 1.0, minimumPoints: 40) { classes, add in
            image.pixels.withUnsafeBufferPointer { p in
                func level(_ x: Int, _ y: Int) -> Double {
                    let i = 3 * (y * width + x)
                    return Double(Int(p[i + 2]) - Int(p[i]))
                }
                for x in 0..<width {
                    var first = -1
                    var y = 0
                    while y + 2 < height {
                        if classes[y * width + x] == PixelClass.block,
                           classes[(y + 1) * width + x] == PixelClass.block,
                           classes[(y + 2) * width + x] == PixelClass.block {
                            first = y
                            break
                        }
                        y += 1
                    }
                    guard first >= 14, first + 10 < height else { continue }
                    var clean = true
                    for row in (first - 13)..<(first + 9) {
                        let k = classes[row * width + x]
                        if k != PixelClass.block && k != PixelClass.other { clean = false; break }
                    }
                    guard clean else { continue }
                    var above = 0.0, below = 0.0
                    for row in (first - 13)..<(first - 9) { above += level(x, row) }
                    for row in (first + 5)..<(first + 9) { below += level(x, row) }
                    above /= 4
                    below /= 4
                    guard below - above > 25 else { continue }
                    var edge = Double(first - 8)
                    for row in (first - 8)..<(first + 4) {
                        let f = min(max((level(x, row) - above) / (below - above), 0), 1)
                        edge += 1 - f
                    }
                    add(edge, Double(x) + 0.5)
                }
            }
        }
        guard let line = fit else {
            throw .badFrame("the block's top face is not visible (\(count) clean columns); check the view")
        }
        // The slot: the run of non-block columns closest to the hole's width on a line parallel to the top face,
        // probed at several depths (the fingers may hide the slot's upper part when the hand is low).
        classes.withUnsafeBufferPointer { classes in
            for probeDepth in [3.0, 9.0, 15.0, 21.0] {
                for x in 0...width {
                    var open = false
                    if x < width {
                        let probe = Int(line.x(at: Double(x) + 0.5) + probeDepth * s)
                        if probe > 0, probe < height { open = classes[probe * width + x] != PixelClass.block }
                    }
                    if open {
                        if deepStart < 0 { deepStart = x }
                    } else if deepStart >= 0 {
                        let length = x - deepStart
                        if abs(Double(length) - holePixels) < abs(Double(bestDeepLength) - holePixels) {
                            bestDeepLength = length
                            bestDeepStart = deepStart
                        }
                        deepStart = -1
                    }
                }
                if bestDeepStart >= 0, abs(Double(bestDeepLength) - holePixels) < 0.25 * holePixels { break }
            }
        }
        guard bestDeepStart >= 0, abs(Double(bestDeepLength) - holePixels) < 0.25 * holePixels else {
            throw .badFrame("no hole found in the block's top face")
        }
        return (line, Double(bestDeepStart) + Double(bestDeepLength) / 2)
    }

    // MARK: - Hole slot

    private func holeAxis(_ image: RGBImage, top: RobustLineFit, slotCentre: Double, scale s: Double)
        throws(RewardError) -> (RobustLineFit, Double) {
        let width = model.resolution.width, height = model.resolution.height
        let holePixels = model.holeWidth * s
        let mouthRow = top.x(at: slotCentre)
        let firstRow = Int(mouthRow + 1.5 * s), lastRow = min(height - 1, Int(mouthRow + (model.holeDepth - 2.5) * s))
        var widthSum = 0.0
        let (fit, count) = fitLine(outlierDistance: 0.8, minimumPoints: 30) { classes, add in
            image.pixels.withUnsafeBufferPointer { p in
                func level(_ x: Int, _ y: Int) -> Double {
                    let i = 3 * (y * width + x)
                    return Double(Int(p[i + 2]) - Int(p[i]))
                }
                func isBlock(_ x: Int, _ y: Int) -> Bool {
                    x >= 0 && x < width && classes[y * width + x] == PixelClass.block
                }
                var centre = slotCentre
                let reach = Int(holePixels) + 15
                guard firstRow >= 0, lastRow > firstRow else { return }
                for y in firstRow...lastRow {
                    let c = Int(centre)
                    var left = -1, right = -1
                    var x = c
                    while x > c - reach, x > 7 {
                        if isBlock(x, y), isBlock(x - 1, y) { left = x; break }
                        x -= 1
                    }
                    x = c
                    while x < c + reach, x < width - 8 {
                        if isBlock(x, y), isBlock(x + 1, y) { right = x; break }
                        x += 1
                    }
                    guard left > 0, right > 0 else { continue }
                    var leftRef = 0.0, rightRef = 0.0
                    for k in (left - 6)..<(left - 2) { leftRef += level(k, y) }
                    for k in (right + 3)..<(right + 7) { rightRef += level(k, y) }
                    leftRef /= 4
                    rightRef /= 4
                    guard leftRef > 25, rightRef > 25 else { continue }
                    var leftWall = Double(left - 2)
                    for k in (left - 2)..<(left + 3) { leftWall += min(max(level(k, y) / leftRef, 0), 1) }
                    var rightWall = Double(right + 3)
                    for k in (right - 2)..<(right + 3) {
                        rightWall -= min(max(level(k, y) / rightRef, 0), 1)
                    }
                    let slot = rightWall - leftWall
                    guard abs(slot - holePixels) <= 0.6 * s else { continue }
                    centre = (leftWall + rightWall) / 2
                    add(centre, Double(y) + 0.5)
                    widthSum += slot
                }
            }
        }
        guard let axis = fit else {
            throw .badFrame("the hole's walls are not visible (\(count) clean rows)")
        }
        return (axis, widthSum / Double(max(count, 1)))
    }

    // MARK: - Pin

    private func pinAxis(scale s: Double) throws(RewardError) -> (RobustLineFit, Double) {
        let width = model.resolution.width, height = model.resolution.height
        let pinPixels = model.pinWidth * s
        var widthSum = 0.0
        let (fit, count) = fitLine(outlierDistance: 1.0, minimumPoints: 20) { classes, add in
            for y in 0..<height {
                var bestStart = 0, bestLength = 0, start = -1
                let base = y * width
                for x in 0...width {
                    let isPin = x < width && classes[base + x] == PixelClass.pin
                    if isPin {
                        if start < 0 { start = x }
                    } else if start >= 0 {
                        if x - start > bestLength { bestLength = x - start; bestStart = start }
                        start = -1
                    }
                }
                guard abs(Double(bestLength) - pinPixels) <= 0.6 * s else { continue }
                add(Double(bestStart) + Double(bestLength) / 2, Double(y) + 0.5)
                widthSum += Double(bestLength)
            }
        }
        guard let axis = fit else { throw .badFrame("the pin is not visible (\(count) clean rows)") }
        return (axis, widthSum / Double(max(count, 1)))
    }

    // MARK: - Line fits

    /// Runs `collect` with the pixel classes and an `add(x, y)` that appends a point to the scratch arrays, then
    /// fits a robust line through the points (`nil` when too few survive). Returns the fit and the points added.
    private func fitLine(outlierDistance: Double, minimumPoints: Int,
                         _ collect: (_ classes: UnsafeBufferPointer<UInt8>, _ add: (Double, Double) -> Void) -> Void)
        -> (fit: RobustLineFit?, count: Int) {
        var count = 0
        let fit = classes.withUnsafeBufferPointer { classes in
            xs.withUnsafeMutableBufferPointer { xs in
                ys.withUnsafeMutableBufferPointer { ys in
                    keep.withUnsafeMutableBufferPointer { keep in
                        collect(classes) { x, y in
                            xs[count] = x
                            ys[count] = y
                            count += 1
                        }
                        return RobustLineFit.fit(xs: UnsafeBufferPointer(xs), ys: UnsafeBufferPointer(ys), count: count,
                                                 keep: keep, outlierDistance: outlierDistance,
                                                 minimumPoints: minimumPoints)
                    }
                }
            }
        }
        return (fit, count)
    }
}
