/// A least-squares line `x = intercept + slope * y` through points, refitted after dropping outliers.
///
/// Works on caller-owned buffers: fitting allocates nothing.
public struct RobustLineFit: Sendable, Equatable {
    /// x at y = 0.
    public var intercept: Double
    /// dx/dy.
    public var slope: Double
    /// Points kept in the final fit.
    public var inliers: Int
    /// Root-mean-square residual of the kept points, in the units of x.
    public var residual: Double

    /// Creates a fit.
    public init(intercept: Double, slope: Double, inliers: Int, residual: Double) {
        self.intercept = intercept
        self.slope = slope
        self.inliers = inliers
        self.residual = residual
    }

    /// x on the line at `y`.
    public func x(at y: Double) -> Double { intercept + slope * y }

    /// Fits the first `count` points of `xs` and `ys`, then twice drops points farther than
    /// `max(outlierDistance, 3 * rms)` from the line and refits; nil with fewer than `minimumPoints` points left.
    ///
    /// `keep` is scratch of at least `count` flags.
    public static func fit(xs: UnsafeBufferPointer<Double>, ys: UnsafeBufferPointer<Double>, count: Int,
                           keep: UnsafeMutableBufferPointer<Bool>, outlierDistance: Double,
                           minimumPoints: Int) -> RobustLineFit? {
        guard count >= max(2, minimumPoints), xs.count >= count, ys.count >= count, keep.count >= count else {
            return nil
        }
        for i in 0..<count { keep[i] = true }
        var result: RobustLineFit?
        for round in 0..<3 {
            var n = 0.0, sy = 0.0, sx = 0.0, syy = 0.0, sxy = 0.0
            for i in 0..<count where keep[i] {
                n += 1
                sy += ys[i]
                sx += xs[i]
                syy += ys[i] * ys[i]
                sxy += xs[i] * ys[i]
            }
            guard n >= Double(max(2, minimumPoints)) else { return nil }
            let meanY = sy / n, meanX = sx / n
            let varY = syy / n - meanY * meanY
            let slope = varY > 1e-12 ? (sxy / n - meanX * meanY) / varY : 0
            let intercept = meanX - slope * meanY
            var squared = 0.0
            for i in 0..<count where keep[i] {
                let r = xs[i] - (intercept + slope * ys[i])
                squared += r * r
            }
            let rms = (squared / n).squareRoot()
            result = RobustLineFit(intercept: intercept, slope: slope, inliers: Int(n), residual: rms)
            if round == 2 { break }
            let limit = max(outlierDistance, 3 * rms)
            for i in 0..<count where keep[i] && abs(xs[i] - (intercept + slope * ys[i])) > limit { keep[i] = false }
        }
        return result
    }
}
