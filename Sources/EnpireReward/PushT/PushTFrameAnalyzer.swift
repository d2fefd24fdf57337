public import Enpire
import Foundation

/// Estimates the Push-T block pose in a top-down frame to a fraction of a pixel, and from it the share of the
/// goal the block covers.
///
/// 1. Lighting: a plane per colour channel is fitted to the bright neutral arena pixels, and every pixel is divided
///    by it, which cancels exposure, colour casts and a linear illumination gradient.
/// 2. Colours: each normalised pixel is unmixed into block, goal and grey shares using the colours the camera's
///    ``PushTCameraCalibration`` measured. The agent is told apart by its strong blue.
/// 3. A coarse pass (every second pixel of every second row) thresholds the shares and gives the block's centroid,
///    long axis and (from the skew of the stem) which way the T points.
/// 4. Five refinement passes over the pixels near the current estimate weigh each pixel by its block share: an
///    edge pixel counts the part the block covers, so the weighted centroid and axis are exact up to sensor noise.
///    The first three visit every second pixel of every second row (the pose still moves by whole pixels there);
///    the last two visit every pixel.
///    Pixels under or next to the agent disc take the model's value at the current pose instead.
/// 5. Coverage is the exact overlap of the block T with the goal T, both in the goal's frame.
///
/// The pixel passes accumulate scalars only: no per-frame allocation.
public struct PushTFrameAnalyzer: Sendable {
    /// Centroid of the goal T along its body y axis (bar 3600 px² at 15, stem 2700 px² at 75).
    static let goalCentroidY = (3600.0 * 15 + 2700.0 * 75) / 6300
    /// Area of the goal in world pixels squared.
    static let goalArea = 6300.0
    /// The drawn block: fill (weight 1) and a 4-pixel outline ring (weight ``ColourUnmixer/outlineWeight``).
    /// Areas and centroids (along the body y axis) of its four parts, in world pixels.
    static let blockParts: [(area: Double, centroidY: Double, outline: Bool)] = [
        (26 * 86, 75, false),  // stem fill
        (34 * 94 - 26 * 86, 75, true),  // stem outline ring, including its strip across the bar
        (116 * 26, 15, false),  // bar fill
        (124 * 34 - 116 * 26 - 34 * 4, (124 * 34 * 15 - 116 * 26 * 15 - 34 * 4 * 30) / (124 * 34 - 116 * 26 - 34 * 4), true),
    ]
    /// Weighted area of the drawn block.
    static let blockWeightedArea = blockParts.reduce(0) { $0 + $1.area * ($1.outline ? ColourUnmixer.outlineWeight : 1) }
    /// Weighted centroid of the drawn block along its body y axis.
    static let blockCentroidY = blockParts.reduce(0) {
        $0 + $1.area * $1.centroidY * ($1.outline ? ColourUnmixer.outlineWeight : 1)
    } / blockWeightedArea
    /// How far beyond the shape (image pixels) refinement looks.
    static let refinementMargin = 4.0
    /// Refinement passes.
    static let refinementPasses = 5
    /// Refinement passes at the end that visit every pixel; the earlier ones visit every second pixel of every
    /// second row (a quarter of the work), which is enough while the pose is still moving by whole pixels.
    static let fullResolutionPasses = 2

    /// Creates an analyzer.
    public init() {}

    /// Calibrates a camera from a frame in which the goal marking is fully visible (block and agent away from it).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the arena, the goal, the block or the agent cannot be found.
    public func calibrate(reference image: RGBImage) throws(RewardError) -> PushTCameraCalibration {
        let light = try LightPlane(image)
        let width = image.size.width, height = image.size.height
        let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
        let nominalScale = Double(min(width, height)) / 512
        // Find goal and agent by fixed chroma tests on the normalised image (the camera's colours are not known
        // yet), then average the colours of goal, agent and block pixels away from each other's edges.
        let agentMoments = RobustBlob.moments(image, light: light, extent: 20 * nominalScale) { _, _, r, _, b in
            b - r > 0.35
        }
        guard let rough = roughGoal(image, light: light) else { throw .badFrame("the goal marking is not visible; give a reference frame with the block moved away") }
        guard agentMoments.n > 50 * nominalScale * nominalScale / 4 else {
            throw .badFrame("the agent is not visible in the reference frame; keep it in view, away from the goal")
        }
        let goalCentre = (x: rough.x + halfWidth, y: rough.y + halfHeight, radius: 90 * nominalScale)
        let agentCentre = (x: agentMoments.sx / agentMoments.n + halfWidth, y: agentMoments.sy / agentMoments.n + halfHeight,
                           radius: 15 * nominalScale * 1.1 + 3)
        var green = ColourSum(), block = ColourSum(), agent = ColourSum()
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<height {
                let row = light.row(y, width: width)
                let fy = Double(y) + 0.5
                for x in 0..<width {
                    let fx = Double(x) + 0.5
                    let (r, g, b) = row.normalise(p, x: x, y: y, width: width)
                    let greenness = 2 * g - r - b, blueness = b - r
                    let goalDistance = (fx - goalCentre.x) * (fx - goalCentre.x) + (fy - goalCentre.y) * (fy - goalCentre.y)
                    let agentDistance = (fx - agentCentre.x) * (fx - agentCentre.x)
                        + (fy - agentCentre.y) * (fy - agentCentre.y)
                    if goalDistance < goalCentre.radius * goalCentre.radius {
                        if greenness > 0.3 { green.add(r, g, b, weight: greenness) }
                    } else if agentDistance < agentCentre.radius * agentCentre.radius {
                        if blueness > 0.35 { agent.add(r, g, b, weight: blueness) }
                    } else if blueness > 0.05, blueness <= 0.35, greenness < 0.3, r + g + b < 2.7 {
                        // Slate pixels: the block (its blend with the arena weighs little, by its weak chroma).
                        block.add(r, g, b, weight: blueness)
                    }
                }
            }
        }
        guard block.weight > 200 * nominalScale * nominalScale else {
            throw .badFrame("the block is not visible in the reference frame (slate weight \(Int(block.weight))); keep "
                + "it in view, away from the goal")
        }
        let colours = (block: block.mean, goal: green.mean, agent: agent.mean)
        guard let unmixer = ColourUnmixer(block: colours.block, goal: colours.goal, agent: colours.agent) else {
            throw .badFrame("block, goal and agent colours are too similar to tell apart; check exposure and white")
        }
        let goal = refinedGoal(image, light: light, unmixer: unmixer, from: rough)
        return PushTCameraCalibration(goal: goal, blockColor: colours.block, goalColor: colours.goal,
                                      agentColor: colours.agent)
    }

    /// Measures the block in `image` relative to the calibrated goal.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the image is too small, holds no visible arena, or the
    ///   calibration is unusable.
    public func features(of image: RGBImage, calibration: PushTCameraCalibration) throws(RewardError)
        -> PushTFrameFeatures
    {
        let unmixer = try Self.unmixer(for: calibration)
        let light = try LightPlane(image)
        let width = image.size.width, height = image.size.height
        let goal = calibration.goal
        let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
        // Coarse: thresholded shares on every second pixel of every second row, inside the arena only.
        let ρ = goal.angle - Double.pi / 4
        let (cr, sr) = (cos(ρ), sin(ρ))
        let goalWorld = 256.0
        let inArena = { (x: Int, y: Int) -> Bool in
            let dx = (Double(x) + 0.5 - goal.x) / goal.scale, dy = (Double(y) + 0.5 - goal.y) / goal.scale
            let wx = cr * dx + sr * dy + goalWorld, wy = -sr * dx + cr * dy + goalWorld
            return wx > 8 && wx < 503 && wy > 8 && wy < 503
        }
        let isBlock = { (x: Int, y: Int, r: Double, g: Double, b: Double) -> Bool in
            unmixer.greyBlockShare(r, g, b) > 0.5 && unmixer.greyGoalShare(r, g, b) < 0.5 && inArena(x, y)
        }
        let seeds = RobustBlob.densest(image, light: light) { x, y, r, g, b in
            unmixer.isAgent(r, b) ? (inArena(x, y) ? 2 : 0) : (isBlock(x, y, r, g, b) ? 1 : 0)
        }
        var agent = ShapeMoments()
        if let seed = seeds.1 {
            agent = RobustBlob.local(image, light: light, seed: seed, extent: 17 * goal.scale) { x, y, r, _, b in
                unmixer.isAgent(r, b) && inArena(x, y)
            }
        }
        // The agent's disc.
        var agentDisc: (x: Double, y: Double, radius: Double)?
        if agent.n >= 5 * goal.scale * goal.scale / 4 {
            let disc = (x: agent.sx / agent.n + halfWidth, y: agent.sy / agent.n + halfHeight,
                        radius: 15 * goal.scale + 2.5)
            agentDisc = disc
        }
        // The block, without the agent disc: the blend of the disc's rim with the arena looks slate too.
        var block = ShapeMoments()
        if let seed = seeds.0 {
            block = RobustBlob.local(image, light: light, seed: seed, extent: 85 * goal.scale) { x, y, r, g, b in
                if let disc = agentDisc {
                    let dx = Double(x) + 0.5 - disc.x, dy = Double(y) + 0.5 - disc.y
                    if dx * dx + dy * dy <= disc.radius * disc.radius { return false }
                }
                return !unmixer.isAgent(r, b) && isBlock(x, y, r, g, b)
            }
        }
        let expectedArea = Self.blockWeightedArea * goal.scale * goal.scale
        // Coarse samples stand for 4 pixels each.
        guard let coarse = block.orientedCentroid(minimumArea: 0.25 * expectedArea / 4) else {
            return PushTFrameFeatures(block: nil, blockAreaRatio: 4 * block.n / expectedArea,
                                      arenaFraction: light.arenaFraction, estimatedCoverage: 0)
        }
        var estimate = pose(coarse, centroidY: Self.blockCentroidY, scale: goal.scale, width: width, height: height)
        var weight = 0.0
        var levels = LocalLevels()
        for pass in 0..<Self.refinementPasses {
            let stride = pass >= Self.refinementPasses - Self.fullResolutionPasses ? 1 : 2
            var (moments, measured) = refinementMoments(image, light: light, pose: estimate, shape: .block,
                                                        agent: agentDisc, levels: levels, stride: stride) { r, g, b in
                unmixer.blockShare(r, g, b)
            }
            if pass == 0 {
                // The skew decides which way the T points; check it by fitting the opposite way too.
                let flipped = pose(flip(coarse), centroidY: Self.blockCentroidY, scale: goal.scale, width: width,
                                   height: height)
                let (other, otherLevels) = refinementMoments(image, light: light, pose: flipped, shape: .block,
                                                             agent: agentDisc, levels: levels, stride: stride) { r, g, b in
                    unmixer.blockShare(r, g, b)
                }
                if other.n > moments.n {
                    moments = other
                    measured = otherLevels
                    estimate = flipped
                }
            }
            levels = measured
            guard let refined = moments.orientedCentroid(minimumArea: 0.25 * expectedArea) else { break }
            weight = refined.area
            estimate = pose(aligned(refined, with: estimate), centroidY: Self.blockCentroidY, scale: goal.scale,
                            width: width, height: height)
        }
        let dx = estimate.x - goal.x, dy = estimate.y - goal.y
        let c = cos(goal.angle), s = sin(goal.angle)
        let coverage = TeeOverlap.coverage(x: (c * dx + s * dy) / goal.scale, y: (-s * dx + c * dy) / goal.scale,
                                           angle: estimate.angle - goal.angle)
        return PushTFrameFeatures(block: estimate, blockAreaRatio: weight / expectedArea,
                                  arenaFraction: light.arenaFraction, estimatedCoverage: coverage,
                                  agent: agentDisc.map { [$0.x, $0.y] })
    }

    private func flip(_ m: (x: Double, y: Double, axisX: Double, axisY: Double, area: Double))
        -> (x: Double, y: Double, axisX: Double, axisY: Double, area: Double) {
        (m.x, m.y, -m.axisX, -m.axisY, m.area)
    }

    /// The moments tuple with its axis turned to point the same way as `previous`'s body +y.
    func aligned(_ m: (x: Double, y: Double, axisX: Double, axisY: Double, area: Double),
                         with previous: PushTImagePose) -> (x: Double, y: Double, axisX: Double, axisY: Double,
                                                            area: Double) {
        let ux = -sin(previous.angle), uy = cos(previous.angle)
        guard m.axisX * ux + m.axisY * uy < 0 else { return m }
        return (m.x, m.y, -m.axisX, -m.axisY, m.area)
    }

    func pose(_ m: (x: Double, y: Double, axisX: Double, axisY: Double, area: Double), centroidY: Double,
                      scale: Double, width: Int, height: Int) -> PushTImagePose {
        // The long axis is the body's +y (bar to stem): u = (-sin φ, cos φ).
        let angle = atan2(-m.axisX, m.axisY)
        let cx = m.x + Double(width) / 2, cy = m.y + Double(height) / 2
        return PushTImagePose(x: cx + sin(angle) * centroidY * scale, y: cy - cos(angle) * centroidY * scale,
                              angle: angle, scale: scale)
    }

    enum Shape { case goal, block }

    /// Block-model weight at body point (x, y): fill 1, outline ring ``ColourUnmixer/outlineWeight``, else 0.
    @inline(__always) static func blockModel(_ x: Double, _ y: Double) -> Double {
        let ax = abs(x)
        if ax < 13, y > 32, y < 118 { return 1 }
        if ax < 17, y > 28, y < 122 { return ColourUnmixer.outlineWeight }
        if ax < 58, y > 2, y < 28 { return 1 }
        if ax < 62, y > -2, y < 32 { return ColourUnmixer.outlineWeight }
        return 0
    }

    /// Weighted moments of the pixels within ``refinementMargin`` of `shape` at `pose`, each weighed by its share
    /// rescaled between `levels`; also returns the levels measured in this pass (offsets from the pose origin).
    /// With `stride` 2 only every second pixel of every second row is visited, each standing for four.
    func refinementMoments(_ image: RGBImage, light: LightPlane, pose: PushTImagePose, shape: Shape,
                                   agent: (x: Double, y: Double, radius: Double)?, levels: LocalLevels,
                                   stride: Int = 1, share: (Double, Double, Double) -> Double) -> (ShapeMoments, LocalLevels) {
        let width = image.size.width, height = image.size.height
        let drawn = shape == .block ? 2.0 : 0
        let grow = drawn + Self.refinementMargin / pose.scale
        // Body-frame boxes: bar and stem, grown.
        let bar = (x: 60 + grow, y0: -grow, y1: 30 + grow)
        let stem = (x: 15 + grow, y0: 30.0, y1: 120 + grow)
        // Just outside the drawn shape (1.5 world pixels clear of its edge): the outside level's band.
        let clear = drawn + 1.5
        // The inside, 2.5 world pixels clear of every edge (the block's fill, inside its outline).
        let inset = shape == .block ? 4.5 : 2.5
        let c = cos(pose.angle), s = sin(pose.angle)
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
        for (bx, by) in [(-bar.x, bar.y0), (bar.x, bar.y0), (-bar.x, bar.y1), (bar.x, bar.y1),
                         (-stem.x, stem.y1), (stem.x, stem.y1)] {
            let ix = pose.x + pose.scale * (c * bx - s * by), iy = pose.y + pose.scale * (s * bx + c * by)
            minX = min(minX, ix); maxX = max(maxX, ix); minY = min(minY, iy); maxY = max(maxY, iy)
        }
        var moments = ShapeMoments()
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite else { return (moments, levels) }
        let x0 = max(0, Int(minX) - 1), x1 = min(width - 1, Int(maxX) + 1)
        let y0 = max(0, Int(minY) - 1), y1 = min(height - 1, Int(maxY) + 1)
        guard x0 <= x1, y0 <= y1 else { return (moments, levels) }
        let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
        let inverseScale = 1 / pose.scale
        var insideFit = PlaneFit(), outsideFit = PlaneFit()
        let area = Double(stride * stride)
        image.pixels.withUnsafeBufferPointer { p in
            for y in Swift.stride(from: y0, through: y1, by: stride) {
                let row = light.row(y, width: width)
                let fy = Double(y) + 0.5
                let ry = fy - pose.y
                // Only the columns where this row can meet the grown bar or stem (the test below stays exact).
                let barSpan = Self.span(ry: ry, c: c, s: s, scale: pose.scale, halfWidth: bar.x, y0: bar.y0, y1: bar.y1)
                let stemSpan = Self.span(ry: ry, c: c, s: s, scale: pose.scale, halfWidth: stem.x, y0: stem.y0,
                                         y1: stem.y1)
                var from = Int.max, to = Int.min
                if barSpan.lower <= barSpan.upper {
                    from = Int((pose.x + barSpan.lower).rounded(.down)) - 1
                    to = Int((pose.x + barSpan.upper).rounded(.up)) + 1
                }
                if stemSpan.lower <= stemSpan.upper {
                    from = min(from, Int((pose.x + stemSpan.lower).rounded(.down)) - 1)
                    to = max(to, Int((pose.x + stemSpan.upper).rounded(.up)) + 1)
                }
                // Columns on the stride's grid (anchored at x0 so every pass samples the same lattice).
                let lowest = max(x0, from), last = min(x1, to)
                guard lowest <= last else { continue }
                let first = x0 + ((lowest - x0 + stride - 1) / stride) * stride
                guard first <= last else { continue }
                for x in Swift.stride(from: first, through: last, by: stride) {
                    let fx = Double(x) + 0.5
                    let rx = fx - pose.x
                    let bx = (c * rx + s * ry) * inverseScale, by = (-s * rx + c * ry) * inverseScale
                    let ax = abs(bx)
                    let inBar = ax <= bar.x && by >= bar.y0 && by <= bar.y1
                    let inStem = ax <= stem.x && by >= stem.y0 && by <= stem.y1
                    guard inBar || inStem else { continue }
                    let w: Double
                    if let agent, (fx - agent.x) * (fx - agent.x) + (fy - agent.y) * (fy - agent.y)
                        < agent.radius * agent.radius {
                        w = Self.blockModel(bx, by)
                    } else {
                        let (r, g, b) = row.normalise(p, x: x, y: y, width: width)
                        let raw = share(r, g, b)
                        w = min(1.5, max(-0.5, levels.normalised(raw, rx, ry)))
                        let nearBar = ax < 60 + clear && by > -clear && by < 30 + clear
                        let nearStem = ax < 15 + clear && by > 30 && by < 120 + clear
                        if !nearBar && !nearStem {
                            outsideFit.add(rx, ry, raw)
                        } else if (ax < 60 - inset && by > inset && by < 30 - inset)
                                    || (ax < 15 - inset && by > 30 + inset && by < 120 - inset) {
                            insideFit.add(rx, ry, raw)
                        }
                    }
                    moments.add(fx - halfWidth, fy - halfHeight, weight: w * area)
                }
            }
        }
        var measured = levels
        if insideFit.count >= 50, let plane = insideFit.solve() { measured.inside = plane }
        if outsideFit.count >= 50, let plane = outsideFit.solve() { measured.outside = plane }
        return (moments, measured)
    }
}

extension PushTFrameAnalyzer {
    /// The offsets `rx` from the pose origin along an image row at offset `ry` whose body coordinates fall in the
    /// box |bx| ≤ `halfWidth`, `y0` ≤ by ≤ `y1` (empty when lower > upper).
    static func span(ry: Double, c: Double, s: Double, scale: Double, halfWidth: Double, y0: Double, y1: Double)
        -> (lower: Double, upper: Double) {
        // bx·scale = c·rx + s·ry and by·scale = −s·rx + c·ry are linear in rx.
        var lower = -Double.infinity, upper = Double.infinity
        func clamp(_ slope: Double, _ offset: Double, _ low: Double, _ high: Double) {
            if abs(slope) < 1e-12 {
                if offset < low || offset > high { lower = 1; upper = 0 }
                return
            }
            let a = (low - offset) / slope, b = (high - offset) / slope
            lower = max(lower, min(a, b))
            upper = min(upper, max(a, b))
        }
        clamp(c, s * ry, -halfWidth * scale, halfWidth * scale)
        clamp(-s, c * ry, y0 * scale, y1 * scale)
        return (lower, upper)
    }
}

/// Running weighted mean of normalised colours.
private struct ColourSum {
    var r = 0.0, g = 0.0, b = 0.0, weight = 0.0
    mutating func add(_ r: Double, _ g: Double, _ b: Double, weight w: Double) {
        self.r += w * r; self.g += w * g; self.b += w * b; weight += w
    }
    var mean: [Double] { weight > 0 ? [r / weight, g / weight, b / weight] : [1, 1, 1] }
}
