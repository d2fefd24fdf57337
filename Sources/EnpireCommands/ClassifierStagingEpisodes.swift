import Enpire
import EnpireReward
import EnpireSim
import Foundation

/// The clip-only task of `enpire reward train-classifier --task staging`: a reset check on the Push-T table, **the T
/// lies entirely inside the staging area**, a 200 × 200 square in one corner of the table that nothing marks in
/// the image. No analyser exists for it: the learned classifier is its only camera reward, and this generator
/// stands in for the clips a lab would record (and for the held-out episodes that measure the classifier).
///
/// Each episode is the end state of a reset attempt: the T placed in the area (50 %), stopped short across or next
/// to its border (25 %), or left anywhere on the table as gym-pusht resets it (25 %); the pusher rests anywhere
/// clear of the T. Every state keeps ``borderGap`` world units between the T and the area's border, inside or
/// out, as a reset that either lands or misses does: a T on the border would be ambiguous to any camera.
enum ClassifierStagingEpisodes {
    /// The staging area in gym-pusht world units (x from, x to, y from, y to).
    static let area = (x0: 24.0, x1: 224.0, y0: 288.0, y1: 488.0)
    /// World units every generated T keeps from the area's border.
    static let borderGap = 8.0

    /// The T's eight outline vertices in world units for a block pose.
    static func outline(x: Double, y: Double, angle: Double) -> [(x: Double, y: Double)] {
        let c = cos(angle), s = sin(angle)
        return (PushTGeometry.barVertices + PushTGeometry.stemVertices).map { v in
            (x + v.x * c - v.y * s, y + v.x * s + v.y * c)
        }
    }

    /// How far the T lies inside the area: the smallest distance of a vertex to the border, negative when a vertex
    /// is outside (then minus the largest distance outside). Success is a margin above 0.
    static func margin(x: Double, y: Double, angle: Double) -> Double {
        let inside = outline(x: x, y: y, angle: angle).map { v in
            min(v.x - area.x0, area.x1 - v.x, v.y - area.y0, area.y1 - v.y)
        }
        return inside.min()!
    }

    /// Episode `seed`'s end state, its kind and its margin.
    static func state(seed: UInt64) -> (state: PushTState, kind: String, margin: Double) {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ 0x57A6_E)
        let pick = random.nextUnitDouble()
        let kind = pick < 0.5 ? "placed" : (pick < 0.75 ? "short" : "elsewhere")
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.nextUnitDouble() }
        var pose = (x: 0.0, y: 0.0, angle: 0.0, margin: 0.0)
        for _ in 0..<10_000 {
            let angle = uniform(-Double.pi, Double.pi)
            let (x, y): (Double, Double) = switch kind {
            case "elsewhere": (uniform(100, 412), uniform(100, 412))
            default: (uniform(area.x0 - 60, area.x1 + 60), uniform(area.y0 - 60, area.y1 + 60))
            }
            let m = margin(x: x, y: y, angle: angle)
            let fits = switch kind {
            case "placed": m >= borderGap
            case "short": m <= -borderGap && m >= -60
            default: abs(m) >= borderGap
            }
            pose = (x, y, angle, m)
            if fits { break }
        }
        // The pusher rests on the table at least 100 units from the T's reference point (clear of the block).
        var agent = (x: 256.0, y: 400.0)
        for _ in 0..<1000 {
            agent = (uniform(30, 482), uniform(30, 482))
            if hypot(agent.x - pose.x, agent.y - pose.y) >= 100 { break }
        }
        return (PushTState(agentX: agent.x, agentY: agent.y, blockX: pose.x, blockY: pose.y, blockAngle: pose.angle),
                kind, pose.margin)
    }

    /// The crop a lab would draw around its staging area: the area's image rectangle and 24 pixels around it.
    static func region() -> RegionOfInterest? {
        guard let renderer = try? PushTRenderer(outputSize: ImageSize(width: 640, height: 480)) else { return nil }
        let corners = [(area.x0, area.y0), (area.x1, area.y0), (area.x0, area.y1), (area.x1, area.y1)]
            .map { renderer.imagePoint(worldX: $0.0, worldY: $0.1) }
        let x0 = max(0, Int(corners.map(\.x).min()!) - 24), y0 = max(0, Int(corners.map(\.y).min()!) - 24)
        let x1 = min(640, Int(corners.map(\.x).max()!.rounded(.up)) + 24)
        let y1 = min(480, Int(corners.map(\.y).max()!.rounded(.up)) + 24)
        return RegionOfInterest(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Episode `seed` as a clip of `frames` JPEG frames (a new noisy camera per episode, the sensor noise new in each
    /// frame), the end state last: earlier frames show the T on its way there, moved evenly from a pose anywhere on
    /// the table, each labelled by whether the T then lies inside the area (so a clip that ends placed starts
    /// with failure frames). With one frame the clip is the end state alone (what the study judges).
    static func episode(seed: UInt64, frames: Int, codec: JPEGCodec) throws -> ClassifierSimulatedEpisodes.Episode {
        let (end, kind, endMargin) = state(seed: seed)
        var random = SplitMix64(seed: seed ^ 0x5354_4147_45)
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480),
                                         noise: .realistic(seed: random.next()))
        let start = (x: 100 + 312 * random.nextUnitDouble(), y: 100 + 312 * random.nextUnitDouble(),
                     angle: end.blockAngle + Double.pi * (2 * random.nextUnitDouble() - 1))
        var image = RGBImage(size: ImageSize(width: 640, height: 480))
        var clip: [(frame: Frame, success: Bool)] = []
        let count = max(1, frames)
        for index in 0..<count {
            let t = Double(index + 1) / Double(count)
            var state = end
            state.blockX = start.x + (end.blockX - start.x) * t
            state.blockY = start.y + (end.blockY - start.y) * t
            state.blockAngle = start.angle + (end.blockAngle - start.angle) * t
            let margin = index == count - 1 ? endMargin
                : Self.margin(x: state.blockX, y: state.blockY, angle: state.blockAngle)
            renderer.render(state, into: &image, frameIndex: UInt64(index))
            let frame = Frame(cameraName: "top", timestampSeconds: Double(index) / 10,
                              jpeg: try codec.encode(image, quality: 90))
            clip.append((frame, margin > 0))
        }
        return ClassifierSimulatedEpisodes.Episode(seed: seed, kind: kind, frames: clip, success: endMargin > 0,
                                                    cameraVisible: endMargin > 0, analyser: nil,
                                                    truthDetail: String(format: "margin %.1f", endMargin))
    }
}
