import Enpire
import EnpireTesting
import Foundation
import Testing

@testable import EnpireSim

/// Geometry, colours, mapping and noise of the Push-T renderer.
@Suite("Push-T rendering")
struct RenderingTests {
    static let square96 = ImageSize(width: 96, height: 96)
    /// A pose that puts a shape far outside every view.
    static let offscreen = -5000.0

    static func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> (Int, Int, Int) {
        let base = (y * image.size.width + x) * 3
        return (Int(image.pixels[base]), Int(image.pixels[base + 1]), Int(image.pixels[base + 2]))
    }

    /// Sum over a window of `255 - red`, in 8-bit levels times pixels.
    static func redDeficit(_ image: RGBImage, from first: Int, to last: Int) -> Double {
        var total = 0.0
        for y in first...last {
            for x in first...last { total += Double(255 - pixel(image, x, y).0) }
        }
        return total
    }

    @Test("At the goal pose the block covers the goal and nothing is drawn far from it")
    func blockAtGoal() throws {
        var renderer = try PushTRenderer(outputSize: Self.square96)
        let goal = PushTGeometry.goalPose
        let state = PushTState(agentX: Self.offscreen, agentY: Self.offscreen, blockX: goal.x, blockY: goal.y,
                               blockAngle: goal.angle)
        let image = renderer.render(state)
        var blockPixels = 0
        var greenPixels = 0
        var farMarks = 0
        for y in 0..<96 {
            for x in 0..<96 {
                let (r, g, b) = Self.pixel(image, x, y)
                if (r, g, b) == (143, 163, 184) { blockPixels += 1 }
                if g > r + 20 && g > b + 20 { greenPixels += 1 }
                // Far from the T (world distance > 100 from the goal's centre of mass) and inside the walls.
                let worldX = (Double(x) + 0.5) * 512 / 96, worldY = (Double(y) + 0.5) * 512 / 96
                let centre = (x: 256 - 45 * sin(goal.angle), y: 256 + 45 * cos(goal.angle))
                let distance = hypot(worldX - centre.x, worldY - centre.y)
                if distance > 100 && (3...92).contains(x) && (3...92).contains(y) && (r, g, b) != (255, 255, 255) {
                    farMarks += 1
                }
            }
        }
        // Fill area: bar 116 x 26 plus stem 26 x 86 (inside the outline), scaled by (96 / 512)^2: about 185 px.
        #expect(blockPixels > 120, "only \(blockPixels) pixels show the block fill")
        #expect(greenPixels == 0, "\(greenPixels) pixels of the goal still show around the block")
        #expect(farMarks == 0, "\(farMarks) pixels are painted far from the block")
        // The block's centre of mass shows the fill colour.
        let centreX = Int((256 - 45 * sin(goal.angle) + 0.5) * 96 / 512)
        let centreY = Int((256 + 45 * cos(goal.angle) + 0.5) * 96 / 512)
        #expect(Self.pixel(image, centreX, centreY) == (143, 163, 184))
    }

    @Test("The goal's painted area is the T's 6300 px^2 scaled to the output", arguments: [
        ImageSize(width: 96, height: 96), ImageSize(width: 640, height: 480), ImageSize(width: 61, height: 83),
    ])
    func goalArea(size: ImageSize) throws {
        var renderer = try PushTRenderer(outputSize: size)
        let state = PushTState(agentX: Self.offscreen, agentY: Self.offscreen, blockX: Self.offscreen,
                               blockY: Self.offscreen, blockAngle: 0)
        let image = renderer.render(state)
        // Green (144, 238, 144) over white: coverage = (255 - red) / (255 - 144), exact because blending is linear.
        var coverage = 0.0
        for y in 0..<size.height {
            for x in 0..<size.width {
                let (r, g, _) = Self.pixel(image, x, y)
                if g > r { coverage += Double(255 - r) / 111 }
            }
        }
        let scale = Double(min(size.width, size.height)) / 512
        let expected = PushTGeometry.blockArea * scale * scale
        #expect(abs(coverage - expected) / expected < 0.015, "painted \(coverage) px^2, expected \(expected)")
    }

    @Test("The block's fill and outline darken the picture by the amount their areas predict")
    func blockArea() throws {
        var renderer = try PushTRenderer(outputSize: Self.square96, drawGoal: false)
        let state = PushTState(agentX: Self.offscreen, agentY: Self.offscreen, blockX: 250, blockY: 220,
                               blockAngle: 0.3)
        let image = renderer.render(state)
        // Fill (red 143) inside the outline: 116 x 26 + 26 x 86 = 5252 px^2. Outline (red 119): the rest of the
        // T grown by 2 px with round corners, 7270.9 px^2 in all (bar 4212.6 + stem 3192.6 - overlap 134.3).
        let fillArea = 5252.0, grownArea = 7270.9
        let scale = 96.0 / 512
        let expected = (112 * fillArea + 136 * (grownArea - fillArea)) * scale * scale
        let measured = Self.redDeficit(image, from: 4, to: 91)
        #expect(abs(measured - expected) / expected < 0.01, "red deficit \(measured), expected \(expected)")
    }

    @Test("The agent disc is centred on the agent's pixel", arguments: [
        ImageSize(width: 96, height: 96), ImageSize(width: 640, height: 480),
    ])
    func agentCentre(size: ImageSize) throws {
        var renderer = try PushTRenderer(outputSize: size, drawGoal: false)
        let state = PushTState(agentX: 300, agentY: 140, blockX: Self.offscreen, blockY: Self.offscreen,
                               blockAngle: 0)
        let image = renderer.render(state)
        var weight = 0.0, sumX = 0.0, sumY = 0.0
        for y in 0..<size.height {
            for x in 0..<size.width {
                let (r, _, b) = Self.pixel(image, x, y)
                let blueness = Double(max(0, b - r))
                weight += blueness
                sumX += blueness * (Double(x) + 0.5)
                sumY += blueness * (Double(y) + 0.5)
            }
        }
        let expected = renderer.imagePoint(worldX: 300, worldY: 140)
        let scale = Double(min(size.width, size.height)) / 512
        #expect(abs(expected.x - (Double(size.width) / 2 + (300.5 - 256) * scale)) < 1e-9)
        #expect(abs(sumX / weight - expected.x) < 0.05, "disc centre x \(sumX / weight), expected \(expected.x)")
        #expect(abs(sumY / weight - expected.y) < 0.05, "disc centre y \(sumY / weight), expected \(expected.y)")
        let (cx, cy) = (Int(expected.x), Int(expected.y))
        #expect(Self.pixel(image, cx, cy) == (78, 126, 255))
    }

    @Test("A 640x480 view letterboxes the square arena on the table colour")
    func letterbox() throws {
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480))
        let image = renderer.render(PushTState(agentX: 256, agentY: 400, blockX: 256, blockY: 300, blockAngle: 0))
        let table = PushTRenderer.tableColor
        for y in [0, 240, 479] {
            #expect(Self.pixel(image, 0, y) == (Int(table.0), Int(table.1), Int(table.2)))
            #expect(Self.pixel(image, 79, y) == (Int(table.0), Int(table.1), Int(table.2)))
            #expect(Self.pixel(image, 560, y) == (Int(table.0), Int(table.1), Int(table.2)))
            #expect(Self.pixel(image, 639, y) == (Int(table.0), Int(table.1), Int(table.2)))
        }
        // Inside the walls the arena is white.
        #expect(Self.pixel(image, 100, 30) == (255, 255, 255))
        #expect(Self.pixel(image, 540, 450) == (255, 255, 255))
    }

    @Test("Rendering into a buffer of the wrong size replaces it; invalid settings throw")
    func inputs() throws {
        var renderer = try PushTRenderer(outputSize: Self.square96)
        var image = RGBImage(size: ImageSize(width: 3, height: 2))
        renderer.render(PushTState(agentX: 1, agentY: 2, blockX: 200, blockY: 200, blockAngle: 0), into: &image)
        #expect(image.size == Self.square96)
        #expect(throws: RenderingError.self) { try PushTRenderer(outputSize: ImageSize(width: 0, height: 96)) }
        #expect(throws: RenderingError.self) {
            try PushTRenderer(outputSize: Self.square96, noise: CameraNoise(sensorNoiseLevels: -1))
        }
        #expect(throws: RenderingError.self) {
            try PushTRenderer(outputSize: Self.square96, noise: CameraNoise(maxRotationRadians: .nan))
        }
    }

    @Test("Camera noise is seeded: same seed same pictures, new frames new grain, pose error moves the scene")
    func noiseIsDeterministic() throws {
        let state = PushTState(agentX: 300, agentY: 140, blockX: 250, blockY: 260, blockAngle: 0.4)
        let noise = CameraNoise.realistic(seed: 7)
        var first = try PushTRenderer(outputSize: Self.square96, noise: noise)
        var second = try PushTRenderer(outputSize: Self.square96, noise: noise)
        var other = try PushTRenderer(outputSize: Self.square96, noise: .realistic(seed: 8))
        var clean = try PushTRenderer(outputSize: Self.square96)
        #expect(first.render(state, frameIndex: 3) == second.render(state, frameIndex: 3))
        #expect(first.render(state, frameIndex: 3) != first.render(state, frameIndex: 4))
        #expect(first.render(state) != other.render(state))
        #expect(first.render(state) != clean.render(state))
        var explicitNone = try PushTRenderer(outputSize: Self.square96, noise: .none)
        #expect(explicitNone.render(state) == clean.render(state))

        // A pure translation error moves the agent's disc by that many world pixels, scaled.
        var shifted = try PushTRenderer(outputSize: Self.square96, noise: CameraNoise(seed: 3, maxTranslationPixels: 20))
        let offset = shifted.perturbation
        #expect(offset.translationX != 0 && abs(offset.translationX) <= 20)
        let moved = shifted.imagePoint(worldX: 300, worldY: 140)
        let original = clean.imagePoint(worldX: 300, worldY: 140)
        #expect(abs(moved.x - original.x - offset.translationX * 96 / 512) < 1e-9)
        #expect(abs(moved.y - original.y - offset.translationY * 96 / 512) < 1e-9)
        _ = shifted.render(state)
    }

    @Test("Sensor noise has zero mean and the requested standard deviation")
    func sensorNoiseStatistics() throws {
        let state = PushTState(agentX: 300, agentY: 140, blockX: 250, blockY: 260, blockAngle: 0.4)
        var noisy = try PushTRenderer(outputSize: ImageSize(width: 128, height: 128),
                                      noise: CameraNoise(seed: 11, sensorNoiseLevels: 6))
        var clean = try PushTRenderer(outputSize: ImageSize(width: 128, height: 128))
        let a = noisy.render(state, frameIndex: 1), b = clean.render(state)
        var sum = 0.0, squares = 0.0, count = 0.0
        for index in 0..<a.pixels.count where (30...225).contains(b.pixels[index]) {
            let difference = Double(a.pixels[index]) - Double(b.pixels[index])
            sum += difference
            squares += difference * difference
            count += 1
        }
        #expect(count > 2000)
        let mean = sum / count
        let deviation = (squares / count - mean * mean).squareRoot()
        #expect(abs(mean) < 0.3, "noise mean \(mean)")
        #expect(abs(deviation - 6) < 0.5, "noise standard deviation \(deviation), asked for 6")
    }

    @Test("PushTCamera renders the provided state and stamps frames with the clock")
    func camera() async throws {
        let clock = SimulatedClock(start: 2.5)
        let state = PushTState(agentX: 100, agentY: 400, blockX: 300, blockY: 200, blockAngle: 1)
        let camera = try PushTCamera(name: "top", resolution: Self.square96, clock: clock) { state }
        let frame = try await camera.latestFrame()
        #expect(frame.cameraName == "top")
        #expect(frame.timestampSeconds == 2.5)
        var renderer = try PushTRenderer(outputSize: Self.square96)
        #expect(frame.image == renderer.render(state))
        #expect(camera.resolution == Self.square96)

        struct Unavailable: Error {}
        let broken = try PushTCamera(timestamp: { 0 }) { () throws -> PushTState in throw Unavailable() }
        await #expect(throws: Unavailable.self) { try await broken.latestFrame() }

        let withoutGoal = try PushTCamera(drawGoal: false, clock: clock) { state }
        let bare = try await withoutGoal.latestFrame()
        #expect(bare.image != frame.image)
    }
}
