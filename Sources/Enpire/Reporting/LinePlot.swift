/// A line chart rendered to an ``RGBImage``: learning curves, success versus robot time, MRU per station.
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

    static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
        (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
    ]

    /// Renders the plot at the given size.
    public func render(width: Int = 800, height: Int = 500) -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        let black: (UInt8, UInt8, UInt8) = (30, 30, 30)
        let grid: (UInt8, UInt8, UInt8) = (225, 225, 225)
        let left = 70, right = width - 20, top = 40, bottom = height - 60
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var xMin = finite.map(\.x).min() ?? 0, xMax = finite.map(\.x).max() ?? 1
        var yMin = yRange?.lowerBound ?? (finite.map(\.y).min() ?? 0)
        var yMax = yRange?.upperBound ?? (finite.map(\.y).max() ?? 1)
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { yMin -= 0.5; yMax += 0.5 }
        if xMin > 0, xMin < 0.25 * xMax { xMin = 0 }
        func px(_ x: Double) -> Double { Double(left) + (x - xMin) / (xMax - xMin) * Double(right - left) }
        func py(_ y: Double) -> Double { Double(bottom) - (y - yMin) / (yMax - yMin) * Double(bottom - top) }

        canvas.text(title, x: max(4, (width - Canvas.textWidth(title, scale: 2)) / 2), y: 10, scale: 2, black)
        for i in 0...5 {
            let fraction = Double(i) / 5
            let y = Int(py(yMin + fraction * (yMax - yMin)).rounded())
            canvas.line(Double(left), Double(y), Double(right), Double(y), thickness: 1, grid)
            let label = Self.format(yMin + fraction * (yMax - yMin))
            canvas.text(label, x: left - 6 - Canvas.textWidth(label, scale: 1), y: y - 3, scale: 1, black)
            let x = Int(px(xMin + fraction * (xMax - xMin)).rounded())
            canvas.line(Double(x), Double(top), Double(x), Double(bottom), thickness: 1, grid)
            let xText = Self.format(xMin + fraction * (xMax - xMin))
            canvas.text(xText, x: x - Canvas.textWidth(xText, scale: 1) / 2, y: bottom + 8, scale: 1, black)
        }
        for reference in referenceLines where reference >= yMin && reference <= yMax {
            let y = py(reference)
            var x = Double(left)
            while x < Double(right) {
                canvas.line(x, y, min(x + 6, Double(right)), y, thickness: 1, (120, 120, 120))
                x += 12
            }
        }
        canvas.line(Double(left), Double(bottom), Double(right), Double(bottom), thickness: 2, black)
        canvas.line(Double(left), Double(top), Double(left), Double(bottom), thickness: 2, black)
        canvas.text(xLabel, x: (left + right - Canvas.textWidth(xLabel, scale: 1)) / 2, y: bottom + 24, scale: 1, black)
        canvas.verticalText(yLabel, x: 8, y: (top + bottom + Canvas.textWidth(yLabel, scale: 1)) / 2, scale: 1, black)

        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            if let band = line.band, band.count == line.points.count {
                let light = (UInt8(255 - (255 - Int(color.0)) / 4), UInt8(255 - (255 - Int(color.1)) / 4),
                             UInt8(255 - (255 - Int(color.2)) / 4))
                for (point, interval) in zip(line.points, band)
                where point.x.isFinite && interval.low.isFinite && interval.high.isFinite {
                    canvas.line(px(point.x), py(interval.low), px(point.x), py(interval.high), thickness: 3, light)
                }
            }
            var previous: (Double, Double)?
            for point in line.points where point.x.isFinite && point.y.isFinite {
                let current = (px(point.x), py(point.y))
                if let previous { canvas.line(previous.0, previous.1, current.0, current.1, thickness: 2, color) }
                canvas.fillRect(x: Int(current.0) - 2, y: Int(current.1) - 2, width: 5, height: 5, color)
                previous = current
            }
            let legendY = bottom - 8 - (series.count - index) * 14
            canvas.fillRect(x: right - 150, y: legendY, width: 12, height: 8, color)
            canvas.text(line.label, x: right - 134, y: legendY, scale: 1, black)
        }
        return canvas.image
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }
}
