public import Enpire
import Foundation

/// Measures how much of the Push-T goal is still visible in a top-down frame, robust to lighting and sensor noise.
///
/// The goal T is drawn LightGreen and the block slate grey on a white arena; once the block covers the goal the
/// green disappears, so the uncovered goal area is the visible green area. Greenness is measured as
/// `2g - r - b` after scaling each channel by the arena's white level (a per-frame white balance), which cancels
/// brightness offsets, colour casts and most of an illumination gradient. The agent disc (drawn above the goal)
/// can hide green: the share of its rim that borders green estimates the hidden goal area.
///
/// Reuses no per-frame buffers at all: every pass reads the image in place and accumulates scalars.
public struct PushTFrameAnalyzer: Sendable {
    /// Area of the T in world pixels squared (gym-pusht: bar 3600 + stem 2700).
    static let goalWorldArea = 6300.0
    /// World side in pixels.
    static let worldSize = 512.0
    /// Agent disc radius in world pixels.
    static let agentWorldRadius = 15.0
    /// Nominal white-balanced greenness of the goal colour (144, 238, 144): 2 * 238 - 144 - 144.
    static let goalGreenness = 188

    /// Creates an analyzer.
    public init() {}

    /// Measures `image`.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the image is too small or holds no visible arena.
    public func features(of image: RGBImage) throws(RewardError) -> PushTFrameFeatures {
        let width = image.size.width, height = image.size.height
        guard width >= 32, height >= 32, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame \(image.size) is too small or inconsistent; Push-T needs at least 32x32")
        }
        let scale = Double(min(width, height)) / Self.worldSize
        let expectedGoal = Self.goalWorldArea * scale * scale
        return try image.pixels.withUnsafeBufferPointer { p -> Result<PushTFrameFeatures, RewardError> in
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
            let arenaFraction = Double(whites) / Double(max(1, sampled))
            guard whites > 0, arenaFraction >= 0.15 else {
                return .failure(.badFrame(
                    "only \(Int(arenaFraction * 100))% of the frame looks like the arena; check exposure and view"))
            }
            // Fixed-point gains (x256) that map the arena white to 255 on every channel.
            let fr = 255 * 256 * whites / max(1, wr), fg = 255 * 256 * whites / max(1, wg)
            let fb = 255 * 256 * whites / max(1, wb)
            let threshold = (Self.goalGreenness / 2) << 8
            @inline(__always) func isGreen(_ o: Int) -> Bool {
                let r = Int(p[o]) * fr, g = Int(p[o + 1]) * fg, b = Int(p[o + 2]) * fb
                return 2 * g - r - b > threshold
            }
            // Pass 2: green area, and the agent disc's moments (RoyalBlue ring and centre).
            var green = 0, agentCount = 0, agentX = 0, agentY = 0
            for y in 0..<height {
                var rowAgents = 0, rowAgentX = 0
                let rowBase = y * width * 3
                for x in 0..<width {
                    let o = rowBase + x * 3
                    let r = Int(p[o]) * fr, g = Int(p[o + 1]) * fg, b = Int(p[o + 2]) * fb
                    if 2 * g - r - b > threshold {
                        green += 1
                    } else if b - r > 100 << 8, b - g > 60 << 8 {
                        rowAgents += 1
                        rowAgentX += x
                    }
                }
                agentCount += rowAgents
                agentX += rowAgentX
                agentY += rowAgents * y
            }
            // The agent's rim: which share of a ring just outside the disc is goal green.
            var occluded = 0.0
            let agentRadius = Self.agentWorldRadius * scale
            if Double(agentCount) > 0.3 * Double.pi * agentRadius * agentRadius {
                let cx = Double(agentX) / Double(agentCount) + 0.5, cy = Double(agentY) / Double(agentCount) + 0.5
                let ring = agentRadius + 2.5
                var hits = 0, inside = 0
                for k in 0..<48 {
                    let angle = Double(k) * (2 * Double.pi / 48)
                    let sx = Int(cx + ring * cos(angle)), sy = Int(cy + ring * sin(angle))
                    guard sx >= 0, sx < width, sy >= 0, sy < height else { continue }
                    inside += 1
                    if isGreen((sy * width + sx) * 3) { hits += 1 }
                }
                if inside > 0 {
                    occluded = Double(hits) / Double(inside) * Double.pi * agentRadius * agentRadius
                }
            }
            return .success(PushTFrameFeatures(visibleGoal: Double(green) / expectedGoal,
                                               agentOccludedGoal: occluded / expectedGoal,
                                               arenaFraction: arenaFraction))
        }.get()
    }
}
