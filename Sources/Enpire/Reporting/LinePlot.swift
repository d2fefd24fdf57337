/// A line chart written as SVG: learning curves, success versus robot time, MRU per station.
///
/// Non-finite points are skipped. Axis ranges default to the data's range (the y range can be fixed, for
/// example `0...1` for success rates).
public struct LinePlot: Sendable {
    /// One named line.
    public struct Series: Sendable {
        /// Legend label.
        public var label: String
        /// Points in data coordinates.
        public var points: [(x: Double, y: Double)]
        /// Optional lower/upper band per point (for example a Wilson interval), same count as `points`.
        public var band: [(low: Double, high: Double)]?

        /// Creates a series.
        public init(label: String, points: [(x: Double, y: Double)], band: [(low: Double, high: Double)]? = nil) {
            self.label = label
            self.points = points
            self.band = band
        }
    }

    /// Title drawn above the plot.
    public var title: String
    /// Label under the x axis.
    public var xLabel: String
    /// Label beside the y axis.
    public var yLabel: String
    /// Lines to draw.
    public var series: [Series]
    /// Fixed y range, or `nil` to fit the data.
    public var yRange: ClosedRange<Double>?
    /// Horizontal reference lines (for example a 0.95 target).
    public var referenceLines: [Double]

    /// Creates a plot.
    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                yRange: ClosedRange<Double>? = nil, referenceLines: [Double] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
        self.referenceLines = referenceLines
    }

    /// Line colours, one per series in order (matplotlib's default cycle).
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The plot as a standalone SVG document of the given size in pixels.
    ///
    /// Text is SVG `<text>` set in the viewer's sans-serif font, so the figure needs no font of its own and stays
    /// sharp at any zoom; browsers, Markdown viewers and the dashboard show it as is.
    public func svg(width: Int = 800, height: Int = 500) -> String {
        let left = 70.0, right = Double(width) - 20, top = 40.0, bottom = Double(height) - 60
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var xMin = finite.map(\.x).min() ?? 0, xMax = finite.map(\.x).max() ?? 1
        var yMin = yRange?.lowerBound ?? (finite.map(\.y).min() ?? 0)
        var yMax = yRange?.upperBound ?? (finite.map(\.y).max() ?? 1)
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { yMin -= 0.5; yMax += 0.5 }
        if xMin > 0, xMin < 0.25 * xMax { xMin = 0 }
        func px(_ x: Double) -> String { Self.number(left + (x - xMin) / (xMax - xMin) * (right - left)) }
        func py(_ y: Double) -> String { Self.number(bottom - (y - yMin) / (yMax - yMin) * (bottom - top)) }
        let l = Self.number(left), r = Self.number(right), t = Self.number(top), b = Self.number(bottom)

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#1e1e1e\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(width / 2)\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">\(Self.escaped(title))</text>\n"
        for i in 0...5 {
            let fraction = Double(i) / 5
            let yValue = yMin + fraction * (yMax - yMin), xValue = xMin + fraction * (xMax - xMin)
            svg += "<line x1=\"\(l)\" y1=\"\(py(yValue))\" x2=\"\(r)\" y2=\"\(py(yValue))\" stroke=\"#e1e1e1\"/>\n"
            svg += "<text x=\"\(Self.number(left - 6))\" y=\"\(py(yValue))\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += "\(Self.format(yValue))</text>\n"
            svg += "<line x1=\"\(px(xValue))\" y1=\"\(t)\" x2=\"\(px(xValue))\" y2=\"\(b)\" stroke=\"#e1e1e1\"/>\n"
            svg += "<text x=\"\(px(xValue))\" y=\"\(Self.number(bottom + 18))\" text-anchor=\"middle\">\(Self.format(xValue))</text>\n"
        }
        for reference in referenceLines where reference >= yMin && reference <= yMax {
            svg += "<line x1=\"\(l)\" y1=\"\(py(reference))\" x2=\"\(r)\" y2=\"\(py(reference))\" stroke=\"#787878\" "
            svg += "stroke-dasharray=\"6 6\"/>\n"
        }
        svg += "<polyline points=\"\(l),\(t) \(l),\(b) \(r),\(b)\" fill=\"none\" stroke=\"#1e1e1e\" stroke-width=\"2\"/>\n"
        svg += "<text x=\"\(Self.number((left + right) / 2))\" y=\"\(Self.number(bottom + 40))\" text-anchor=\"middle\">"
        svg += "\(Self.escaped(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(Self.number((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
        svg += "\(Self.escaped(yLabel))</text>\n"

        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            if let band = line.band, band.count == line.points.count {
                for (point, interval) in zip(line.points, band)
                where point.x.isFinite && interval.low.isFinite && interval.high.isFinite {
                    svg += "<line x1=\"\(px(point.x))\" y1=\"\(py(interval.low))\" x2=\"\(px(point.x))\" "
                    svg += "y2=\"\(py(interval.high))\" stroke=\"\(color)\" stroke-opacity=\"0.25\" stroke-width=\"3\"/>\n"
                }
            }
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            svg += "<polyline points=\"\(points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " "))\" "
            svg += "fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for point in points {
                svg += "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"2.5\" fill=\"\(color)\"/>\n"
            }
            let legendY = bottom - 8 - Double((series.count - index) * 16)
            svg += "<rect x=\"\(Self.number(right - 150))\" y=\"\(Self.number(legendY))\" width=\"12\" height=\"8\" fill=\"\(color)\"/>\n"
            svg += "<text x=\"\(Self.number(right - 132))\" y=\"\(Self.number(legendY + 8))\">\(Self.escaped(line.label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        guard rounded.isFinite, abs(rounded) < 1e15 else { return rounded.isFinite ? String(rounded) : "0" }
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `text` with XML's special characters escaped.
    static func escaped(_ text: String) -> String { MarkupEscaping.escaped(text) }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        // Beyond a million (or not finite), a short exponent form; Int(value) would trap past Int's range.
        if !(magnitude < 1e6) { return String(format: "%.3g", value) }
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }
}
