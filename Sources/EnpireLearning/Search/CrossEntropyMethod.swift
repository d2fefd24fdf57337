import Enpire

/// Cross-entropy method over a real parameter vector: sample a Gaussian population, keep the elites, refit
/// the mean and standard deviation with smoothing, repeat. Suited to tuning heuristic/code-as-policy
/// parameters against a noisy score (success rate over trial episodes).
public struct CrossEntropyMethod: Sendable {
    /// Result of a search.
    public struct Result: Sendable {
        /// Final distribution mean (the recommended parameters).
        public var mean: [Double]
        /// Final standard deviation per dimension.
        public var standardDeviation: [Double]
        /// Best single sample seen and its score (noisy: prefer `mean` for deployment).
        public var bestSample: [Double]
        /// Score of `bestSample`.
        public var bestScore: Double
        /// Mean elite score per iteration.
        public var eliteScoreHistory: [Double]
        /// Score evaluations performed.
        public var evaluations: Int
    }

    /// Samples per iteration.
    public var populationSize = 32
    /// Fraction of the population kept as elites.
    public var eliteFraction = 0.25
    /// Iterations.
    public var iterations = 20
    /// Weight of the old distribution when refitting (0 = replace, 0.9 = move slowly).
    public var smoothing = 0.2
    /// Lower bound on the standard deviation, so the search never collapses prematurely.
    public var minimumStandardDeviation = 1e-3
    /// Per-dimension bounds samples are clipped to, or nil.
    public var bounds: [ClosedRange<Double>]?
    /// Seed for sampling.
    public var seed: UInt64 = 0

    /// Creates a search with defaults.
    public init() {}

    /// Maximises `score` starting from `initialMean` and `initialStandardDeviation`.
    ///
    /// `score` receives the parameters and a per-sample seed, so trials are reproducible and can run real
    /// episodes asynchronously.
    public func maximize(initialMean: [Double], initialStandardDeviation: [Double],
                         score: (_ parameters: [Double], _ seed: UInt64) async throws -> Double) async throws -> Result {
        guard !initialMean.isEmpty, initialMean.count == initialStandardDeviation.count else {
            throw RLError.widthMismatch("mean has \(initialMean.count) values, standard deviation "
                + "\(initialStandardDeviation.count); both must be equal and non-empty")
        }
        guard populationSize >= 2, eliteFraction > 0, eliteFraction <= 1, (0..<1).contains(smoothing),
              iterations >= 1 else {
            throw RLError.invalidConfiguration("populationSize \(populationSize) ≥ 2, eliteFraction "
                + "\(eliteFraction) in (0, 1], smoothing \(smoothing) in [0, 1), iterations \(iterations) ≥ 1")
        }
        if let bounds, bounds.count != initialMean.count {
            throw RLError.widthMismatch("\(bounds.count) bounds for \(initialMean.count) parameters")
        }
        var rng = SplitMix64(seed: seed)
        var mean = initialMean, std = initialStandardDeviation
        let eliteCount = max(1, Int((Double(populationSize) * eliteFraction).rounded()))
        var best: ([Double], Double) = (mean, -.infinity)
        var history: [Double] = []
        var evaluations = 0
        for _ in 0..<iterations {
            var scored: [([Double], Double)] = []
            for _ in 0..<populationSize {
                var sample = zip(mean, std).map { $0 + $1 * rng.nextGaussian() }
                if let bounds {
                    sample = zip(sample, bounds).map { min(max($0, $1.lowerBound), $1.upperBound) }
                }
                let value = try await score(sample, rng.next())
                evaluations += 1
                scored.append((sample, value.isFinite ? value : -.infinity))
            }
            scored.sort { $0.1 > $1.1 }
            let elites = scored.prefix(eliteCount)
            if let top = elites.first, top.1 > best.1 { best = top }
            history.append(elites.reduce(0) { $0 + $1.1 } / Double(eliteCount))
            for j in mean.indices {
                let eliteMean = elites.reduce(0) { $0 + $1.0[j] } / Double(eliteCount)
                let variance = elites.reduce(0) { $0 + ($1.0[j] - eliteMean) * ($1.0[j] - eliteMean) }
                    / Double(eliteCount)
                mean[j] = smoothing * mean[j] + (1 - smoothing) * eliteMean
                std[j] = max(minimumStandardDeviation, smoothing * std[j] + (1 - smoothing) * variance.squareRoot())
            }
        }
        return Result(mean: mean, standardDeviation: std, bestSample: best.0, bestScore: best.1,
                      eliteScoreHistory: history, evaluations: evaluations)
    }
}
