import Enpire
import EnpireReward
import Testing

@Suite struct ImageOpsAndFusionTests {
    @Test func blobMomentsOfARectangle() {
        var mask = [UInt8](repeating: 0, count: 40 * 30)
        for y in 10..<14 { for x in 5..<25 { mask[y * 40 + x] = 1 } }
        let m = BlobMoments.of(mask: mask, width: 40, height: 30)
        #expect(m.area == 80)
        #expect(abs(m.centroidX - 15) < 1e-9 && abs(m.centroidY - 12) < 1e-9)
        #expect(abs(m.orientation) < 1e-9)
    }

    @Test func cropDownsampleAndColorMask() {
        var image = RGBImage(size: ImageSize(width: 8, height: 8), fill: (255, 255, 255))
        for y in 0..<4 { for x in 0..<4 { let o = (y * 8 + x) * 3; image.pixels[o] = 144; image.pixels[o + 1] = 238; image.pixels[o + 2] = 144 } }
        var crop = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        ImageOps.crop(image, to: RegionOfInterest(x: 2, y: 2, width: 100, height: 3), into: &crop)
        #expect(crop.size == ImageSize(width: 6, height: 3))
        var small = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        ImageOps.downsample(image, factor: 4, into: &small)
        #expect(small.size == ImageSize(width: 2, height: 2) && small.pixels[1] == 238 && small.pixels[4] == 255)
        var mask: [UInt8] = []
        // Darker green still matches by chroma; white does not.
        image.pixels[0] = 120; image.pixels[1] = 214; image.pixels[2] = 120
        let count = ImageOps.colorMask(image, color: (144, 238, 144), tolerance: 10, into: &mask)
        #expect(count == 16)
        let hsv = ImageOps.hsv(144, 238, 144)
        #expect(abs(hsv.hue - 120) < 1e-9)
    }

    @Test func fusionRules() {
        let votes = [Vote(source: "top", success: true, score: 0.9), Vote(source: "side", success: true, score: 0.8),
                     Vote(source: "height", success: false, score: 0.2)]
        #expect(!VoteFusion.fuse(votes, rule: .all).success)
        #expect(VoteFusion.fuse(votes, rule: .majority).success)
        #expect(VoteFusion.fuse(votes, rule: .majority).status == .boundary)
        #expect(!VoteFusion.fuse(votes, rule: .weighted(weights: ["height": 10], threshold: 0.5)).success)
        #expect(VoteFusion.fuse(votes, rule: .weighted(weights: [:], threshold: 0.6)).success)
        let missing = VoteFusion.fuse(votes, rule: .majority, expectedSources: ["top", "wrist"])
        #expect(missing.status == .unknown && !missing.success)
    }

    @Test func featureThresholdVotes() {
        let detector = FeatureThresholdDetector(feature: "eeHeight", lower: 0, upper: 0.01)
        let inside = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], features: ["eeHeight": [0.005]])
        let above = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], features: ["eeHeight": [0.05]])
        #expect(detector.vote(inside)?.success == true)
        #expect(detector.vote(above)?.success == false)
        #expect(detector.vote(Observation(stepIndex: 0, elapsedSeconds: 0, arms: [])) == nil)
    }
}
