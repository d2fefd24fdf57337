import Enpire
import Foundation
import Testing

@testable import EnpireSim

/// gym-pusht 0.1.8's own 96 x 96 observations (recorded by Fixtures/make_render_fixtures.py) against ours.
@Suite("Rendering fidelity against gym-pusht")
struct RenderingFidelityTests {
    struct FixtureCase: Decodable {
        var name: String
        var agent: [Double]
        var block: [Double]
        var width: Int
        var height: Int
        var rgb_base64: String
    }

    struct FixtureFile: Decodable {
        var cases: [FixtureCase]
    }

    static func loadCases() throws -> [FixtureCase] {
        let url = try #require(Bundle.module.url(
            forResource: "render_fixtures", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url)).cases
    }

    /// Mean absolute difference per channel value in 8-bit levels (over the whole image, and over the pixels
    /// that are not plain white in either image), and the share of pixels off by more than 64 in some channel.
    static func compare(_ ours: RGBImage, _ theirs: [UInt8]) -> (mean: Double, foreground: Double, farOff: Double) {
        var total = 0
        var foregroundTotal = 0
        var foregroundPixels = 0
        var farOff = 0
        for pixel in 0..<(ours.pixels.count / 3) {
            var pixelMax = 0
            var pixelSum = 0
            var white = true
            for channel in 0..<3 {
                let a = Int(ours.pixels[3 * pixel + channel]), b = Int(theirs[3 * pixel + channel])
                pixelSum += abs(a - b)
                pixelMax = max(pixelMax, abs(a - b))
                if a != 255 || b != 255 { white = false }
            }
            total += pixelSum
            if !white {
                foregroundTotal += pixelSum
                foregroundPixels += 1
            }
            if pixelMax > 64 { farOff += 1 }
        }
        return (Double(total) / Double(ours.pixels.count),
                Double(foregroundTotal) / Double(max(1, 3 * foregroundPixels)),
                Double(farOff) / Double(ours.pixels.count / 3))
    }

    static func state(_ fixture: FixtureCase) -> PushTState {
        PushTState(agentX: fixture.agent[0], agentY: fixture.agent[1], blockX: fixture.block[0],
                   blockY: fixture.block[1], blockAngle: fixture.block[2])
    }

    @Test("96x96 renders of recorded poses match gym-pusht's observations closely")
    func matchesGymPushT() throws {
        let cases = try Self.loadCases()
        #expect(cases.count >= 5)
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 96, height: 96))
        var image = RGBImage(size: renderer.outputSize)
        for fixture in cases {
            let expected = try #require(Data(base64Encoded: fixture.rgb_base64))
            #expect(expected.count == 96 * 96 * 3)
            renderer.render(Self.state(fixture), into: &image)
            let (mean, foreground, farOff) = Self.compare(image, [UInt8](expected))
            print("render fidelity \(fixture.name): mean abs diff \(mean), non-white \(foreground) levels, "
                  + "pixels off by > 64: \(farOff * 100) %")
            #expect(mean < 1.5, "\(fixture.name): mean absolute difference \(mean)")
            #expect(foreground < 6.5, "\(fixture.name): mean absolute difference on non-white pixels \(foreground)")
            #expect(farOff < 0.002, "\(fixture.name): \(farOff * 100) % of pixels differ by more than 64 levels")
        }
    }

    @Test("The comparison notices a block 4 pixels or 3 degrees away from the recorded pose")
    func comparisonIsSensitive() throws {
        let fixture = try #require(try Self.loadCases().first { $0.name == "tilted" })
        let expected = [UInt8](try #require(Data(base64Encoded: fixture.rgb_base64)))
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 96, height: 96))
        var shifted = Self.state(fixture)
        shifted.blockX += 4
        var turned = Self.state(fixture)
        turned.blockAngle += 3 * Double.pi / 180
        for state in [shifted, turned] {
            let (mean, foreground, farOff) = Self.compare(renderer.render(state), expected)
            print("render fidelity, moved block: mean \(mean), non-white \(foreground), off by > 64: \(farOff * 100) %")
            #expect(foreground > 7 && farOff > 0.002, "a moved block still compares as \(foreground), \(farOff)")
        }
    }
}
