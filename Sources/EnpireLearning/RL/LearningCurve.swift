public import Enpire
public import Foundation

/// Success rate versus robot time with Wilson 95% intervals, saved as JSON and drawn as SVG.
public struct LearningCurve: Sendable, Codable, Equatable {
    /// One evaluation point.
    public struct Point: Sendable, Codable, Equatable {
        /// Robot time spent on training interaction so far, in seconds.
        public var robotTimeSeconds: Double
        /// Successful evaluation episodes.
        public var successes: Int
        /// Evaluation episodes.
        public var trials: Int
        /// Mean evaluation return.
        public var meanReturn: Double
        /// Wilson 95% interval of the success rate.
        public var interval: WilsonInterval

        /// Creates a point, failing when `trials` is not positive or `successes` is out of range.
        public init(robotTimeSeconds: Double, successes: Int, trials: Int, meanReturn: Double) throws {
            self.robotTimeSeconds = robotTimeSeconds
            self.successes = successes
            self.trials = trials
            self.meanReturn = meanReturn
            interval = try WilsonInterval(successes: successes, trials: trials)
        }
    }

    /// Label of the run (legend and JSON).
    public var label: String
    /// Points in order of robot time.
    public var points: [Point] = []

    /// Creates an empty curve.
    public init(label: String) { self.label = label }

    /// Writes pretty JSON atomically.
    public func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Renders success rate (with Wilson bands) against robot time in minutes for one or more curves.
    public static func plot(_ curves: [LearningCurve], title: String, target: Double? = nil) -> LinePlot {
        let series = curves.map { curve in
            LinePlot.Series(label: curve.label,
                            points: curve.points.map { ($0.robotTimeSeconds / 60, $0.interval.rate) },
                            band: curve.points.map { ($0.interval.lower, $0.interval.upper) })
        }
        return LinePlot(title: title, xLabel: "robot time (min)", yLabel: "success rate", series: series,
                        yRange: 0...1, referenceLines: target.map { [$0] } ?? [])
    }

    /// Writes the plot of `curves` as an SVG file.
    public static func writeSVG(_ curves: [LearningCurve], title: String, target: Double? = nil, to url: URL) throws {
        try Data(plot(curves, title: title, target: target).svg().utf8).write(to: url, options: .atomic)
    }
}
