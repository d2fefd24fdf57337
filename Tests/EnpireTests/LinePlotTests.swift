import Testing
@testable import Enpire

@Suite("LinePlot")
struct LinePlotTests {
    private func count(_ color: (UInt8, UInt8, UInt8), in image: RGBImage) -> Int {
        var n = 0
        for i in stride(from: 0, to: image.pixels.count, by: 3)
        where image.pixels[i] == color.0 && image.pixels[i + 1] == color.1 && image.pixels[i + 2] == color.2 {
            n += 1
        }
        return n
    }

    @Test func drawsEachSeriesInItsColour() {
        let plot = LinePlot(title: "Success", xLabel: "robot hours", yLabel: "rate", series: [
            .init(label: "a", points: [(0, 0), (1, 0.5), (2, 0.9)]),
            .init(label: "b", points: [(0, 0.1), (2, 0.2)]),
        ], yRange: 0...1, referenceLines: [0.95])
        let image = plot.render(width: 400, height: 300)
        #expect(image.size == ImageSize(width: 400, height: 300))
        #expect(count(LinePlot.palette[0], in: image) > 100)
        #expect(count(LinePlot.palette[1], in: image) > 100)
        #expect(count(LinePlot.palette[2], in: image) == 0)
    }

    @Test func survivesDegenerateData() {
        let plot = LinePlot(title: "x", xLabel: "", yLabel: "", series: [
            .init(label: "nan", points: [(.nan, .infinity), (1, 1), (1, 1)]),
        ])
        let image = plot.render(width: 120, height: 90)
        #expect(image.pixels.count == 120 * 90 * 3)
    }

    @Test func formatsTicks() {
        #expect(LinePlot.format(3) == "3")
        #expect(LinePlot.format(0.25) == "0.25")
        #expect(LinePlot.format(12.34) == "12.3")
    }
}
