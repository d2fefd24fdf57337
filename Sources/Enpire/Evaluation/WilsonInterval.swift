/// The Wilson score interval for a binomial success rate.
///
/// Preferred over the normal approximation because it stays inside [0, 1] and is honest at 0/n and n/n,
/// which is exactly where small robot trial budgets end up.
public struct WilsonInterval: Sendable, Codable, Equatable {
    /// Lower bound of the interval.
    public let lower: Double
    /// Upper bound of the interval.
    public let upper: Double
    /// Observed success rate (successes / trials; 0 when there were no trials).
    public let rate: Double

    /// The two-sided 95% normal quantile.
    public static let z95 = 1.959963984540054

    /// Computes the interval for `successes` out of `trials` at normal quantile `z` (95% by default).
    ///
    /// With no trials the interval is [0, 1]: nothing is known.
    public init(successes: Int, trials: Int, z: Double = WilsonInterval.z95) throws {
        guard trials >= 0, successes >= 0, successes <= trials else {
            throw EvaluationError.invalidCounts(successes: successes, trials: trials)
        }
        self.init(checkedSuccesses: successes, trials: trials, z: z)
    }

    /// Computes the interval for counts the caller has already validated.
    init(checkedSuccesses successes: Int, trials: Int, z: Double = WilsonInterval.z95) {
        guard trials > 0 else {
            lower = 0
            upper = 1
            rate = 0
            return
        }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let halfWidth = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        lower = max(0, centre - halfWidth)
        upper = min(1, centre + halfWidth)
        rate = p
    }
}
