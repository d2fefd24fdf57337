public import Enpire
import Foundation

/// Estimates the Push-T block pose in a top-down frame and from it the share of the goal the block covers.
///
/// Pixels are white-balanced against the arena (a per-frame gain per channel, which cancels colour casts,
/// brightness offsets and most of an illumination gradient), then classified by chroma: the goal is green
/// (`2g - r - b` high), the block slate blue-grey (`b - r` moderate), the agent royal blue (`b - r` high).
/// Moments up to third order of the block pixels give its centroid, its long axis, and (from the skew along
/// that axis, the stem being the long tail) which way the T points. The goal's image pose comes from a
/// reference frame in which the goal marking is visible (``goalReference(of:)``), which also calibrates the
/// camera (position, rotation, scale), so camera pose errors cancel. Coverage is then the exact overlap of
/// the two tees. The pixel pass accumulates scalars only: no per-frame allocation.
public struct PushTFrameAnalyzer: Sendable {
    /// Centroid of the goal T along its body y axis (bar 3600 px² at 15, stem 2700 px² at 75).
    static let goalCentroidY = (3600.0 * 15 + 2700.0 * 75) / 6300
    /// Centroid of the drawn block, which is the T grown by gym-pusht's 2-pixel outline (bar 124x34, stem 34x90).
    static let blockCentroidY = (124.0 * 34 * 15 + 34.0 * 90 * 77) / (124.0 * 34 + 34.0 * 90)
    /// Area of the drawn block in world pixels squared.
    static let blockDrawnArea = 124.0 * 34 + 34.0 * 90
    /// Area of the goal in world pixels squared.
    static let goalArea = 6300.0

    /// Creates an analyzer.
    public init() {}

    /// The goal's image pose from a frame in which the goal marking is fully visible (block moved away).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when no goal-sized green T is visible.
    public func goalReference(of image: RGBImage) throws(RewardError) -> PushTImagePose {
        let pass = try measure(image)
        let nominalScale = Double(min(image.size.width, image.size.height)) / 512
        guard let goal = pass.green.orientedCentroid(minimumArea: 0.5 * Self.goalArea * nominalScale * nominalScale)
        else { throw .badFrame("the goal marking is not visible; give a reference frame with the block moved away") }
        let scale = (goal.area / Self.goalArea).squareRoot()
        return pose(goal, centroidY: Self.goalCentroidY, scale: scale, width: image.size.width,
                    height: image.size.height)
    }

    /// Measures the block in `image` relative to the goal at `goal`.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the image is too small or holds no visible arena.
    public func features(of image: RGBImage, goal: PushTImagePose) throws(RewardError) -> PushTFrameFeatures {
        let pass = try measure(image)
        let expected = Self.blockDrawnArea * goal.scale * goal.scale
        guard let block = pass.block.orientedCentroid(minimumArea: 0.25 * expected) else {
            return PushTFrameFeatures(block: nil, blockAreaRatio: pass.block.n / expected,
                                      arenaFraction: pass.arenaFraction, estimatedCoverage: 0)
        }
        let pose = pose(block, centroidY: Self.blockCentroidY, scale: goal.scale, width: image.size.width,
                        height: image.size.height)
        let dx = pose.x - goal.x, dy = pose.y - goal.y
        let c = cos(goal.angle), s = sin(goal.angle)
        let coverage = TeeOverlap.coverage(x: (c * dx + s * dy) / goal.scale, y: (-s * dx + c * dy) / goal.scale,
                                           angle: pose.angle - goal.angle)
        return PushTFrameFeatures(block: pose, blockAreaRatio: block.area / expected,
                                  arenaFraction: pass.arenaFraction, estimatedCoverage: coverage)
    }

    private func pose(_ m: (x: Double, y: Double, axisX: Double, axisY: Double, area: Double), centroidY: Double,
                      scale: Double, width: Int, height: Int) -> PushTImagePose {
        // The long axis is the body's +y (bar to stem): u = (-sin φ, cos φ).
        let angle = atan2(-m.axisX, m.axisY)
        let cx = m.x + Double(width) / 2, cy = m.y + Double(height) / 2
        return PushTImagePose(x: cx + sin(angle) * centroidY * scale, y: cy - cos(angle) * centroidY * scale,
                              angle: angle, scale: scale)
    }

    struct Pass {
        var green = ShapeMoments()
        var block = ShapeMoments()
        var agent = ShapeMoments()
        var arenaFraction = 0.0
    }

    func measure(_ image: RGBImage) throws(RewardError) -> Pass {
        let width = image.size.width, height = image.size.height
        guard width >= 32, height >= 32, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame \(image.size) is too small or inconsistent; Push-T needs at least 32x32")
        }
        return try image.pixels.withUnsafeBufferPointer { p -> Result<Pass, RewardError> in
            // Pass 1 (every 4th pixel of every 4th row): white level of the arena per channel.
            var wr = 0, wg = 0, wb = 0, whites = 0, sampled = 0
            var y = 2
            while y < height {
                var x = 2
                while x < width {
                    let o = (y * width + x) * 3
                    let r = Int(p[o]), g = Int(p[o + 1]), b = Int(p[o + 2])
                    sampled += 1
                    if r + g + b > 560, abs(2 * g - r - b) < 70, abs(r - b) < 70 {
                        wr += r; wg += g; wb += b; whites += 1
                    }
                    x += 4
                }
                y += 4
            }
            var pass = Pass()
            pass.arenaFraction = Double(whites) / Double(max(1, sampled))
            guard whites > 0, pass.arenaFraction >= 0.15 else {
                return .failure(.badFrame(
                    "only \(Int(pass.arenaFraction * 100))% of the frame looks like the arena; check exposure and view"))
            }
            // Fixed-point gains (x256) that map the arena white to 255 on every channel.
            let fr = 255 * 256 * whites / max(1, wr), fg = 255 * 256 * whites / max(1, wg)
            let fb = 255 * 256 * whites / max(1, wb)
            // Half the goal's greenness (188) and about 2/3 of the block's blue excess (34-41), in fixed point.
            let greenThreshold = 94 << 8, blockLow = 24 << 8, blockHigh = 100 << 8
            let halfWidth = Double(width) / 2, halfHeight = Double(height) / 2
            for y in 0..<height {
                let rowBase = y * width * 3
                let fy = Double(y) + 0.5 - halfHeight
                for x in 0..<width {
                    let o = rowBase + x * 3
                    let r = Int(p[o]) * fr, g = Int(p[o + 1]) * fg, b = Int(p[o + 2]) * fb
                    let greenness = 2 * g - r - b, blueness = b - r
                    if greenness > greenThreshold {
                        pass.green.add(Double(x) + 0.5 - halfWidth, fy)
                    } else if blueness > blockLow, blueness < blockHigh {
                        pass.block.add(Double(x) + 0.5 - halfWidth, fy)
                    } else if blueness >= blockHigh {
                        pass.agent.add(Double(x) + 0.5 - halfWidth, fy)
                    }
                }
            }
            // The agent disc's anti-aliased rim blends royal blue with white into block-like colours: take the
            // block-classified pixels near the agent back out.
            if pass.agent.n >= 20 {
                let ax = pass.agent.sx / pass.agent.n + halfWidth, ay = pass.agent.sy / pass.agent.n + halfHeight
                let radius = 15.0 * Double(min(width, height)) / 512 * 1.06 + 2.5
                var rim = ShapeMoments()
                let x0 = max(0, Int(ax - radius)), x1 = min(width - 1, Int(ax + radius))
                let y0 = max(0, Int(ay - radius)), y1 = min(height - 1, Int(ay + radius))
                if x0 <= x1, y0 <= y1 {
                    for y in y0...y1 {
                        let fy = Double(y) + 0.5
                        for x in x0...x1 {
                            let fx = Double(x) + 0.5
                            guard (fx - ax) * (fx - ax) + (fy - ay) * (fy - ay) <= radius * radius else { continue }
                            let o = (y * width + x) * 3
                            let r = Int(p[o]) * fr, g = Int(p[o + 1]) * fg, b = Int(p[o + 2]) * fb
                            let blueness = b - r
                            if 2 * g - r - b <= greenThreshold, blueness > blockLow, blueness < blockHigh {
                                rim.add(fx - halfWidth, fy - halfHeight)
                            }
                        }
                    }
                }
                pass.block.subtract(rim)
            }
            return .success(pass)
        }.get()
    }
}
