import Enpire
import Testing
@testable import EnpireLearning

@Suite("Search: cross-entropy method")
struct SearchCrossEntropyMethodTests {
    @Test("CEM finds the optimum of a noisy quadratic to within 0.15 per dimension, reproducibly")
    func findsOptimum() async throws {
        let optimum = [1.5, -2.0, 0.5]
        let score: ([Double], UInt64) async throws -> Double = { parameters, seed in
            var rng = SplitMix64(seed: seed)
            let distance = zip(parameters, optimum).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return -distance + 0.1 * rng.nextGaussian()
        }
        var search = CrossEntropyMethod()
        search.seed = 7
        search.iterations = 25
        let result = try await search.maximize(initialMean: [0, 0, 0], initialStandardDeviation: [2, 2, 2],
                                               score: score)
        for (found, target) in zip(result.mean, optimum) { #expect(abs(found - target) < 0.15) }
        #expect(result.evaluations == 25 * 32)
        #expect(result.eliteScoreHistory.last! > result.eliteScoreHistory.first!)
        let again = try await search.maximize(initialMean: [0, 0, 0], initialStandardDeviation: [2, 2, 2],
                                              score: score)
        #expect(again.mean == result.mean)
        await #expect(throws: RLError.self) {
            _ = try await search.maximize(initialMean: [0], initialStandardDeviation: [1, 1], score: score)
        }
    }
}
