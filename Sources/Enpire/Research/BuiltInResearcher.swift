import Foundation

/// A researcher that needs no language model: an evolution strategy over a ``RecipeSpace``.
///
/// It proposes the next recipe to try from what this station and the fleet have kept: usually a mutation of
/// the best known recipe, with a step size that shrinks as results accumulate, sometimes (with probability
/// `exploration`) a fresh sample so that a station never gets stuck around one recipe. The same loop a coding
/// agent runs through the CLI (hypothesis → trial → keep or revert) runs with this on machines without an
/// agent.
public struct BuiltInResearcher: Sendable {
    /// One evaluated recipe.
    public struct Result: Sendable, Codable, Hashable {
        /// The recipe tried.
        public var recipe: Recipe
        /// Its score (higher is better, for example a development-seed success rate).
        public var score: Double

        /// Creates a result.
        public init(recipe: Recipe, score: Double) {
            self.recipe = recipe
            self.score = score
        }
    }

    /// The space searched.
    public var space: RecipeSpace
    /// Recipe tried first when nothing is known yet (the documented default).
    public var initial: Recipe
    /// Probability of a fresh sample instead of a mutation.
    public var exploration: Double
    /// Step size of the first mutations in search coordinates; shrinks as 1/sqrt(1 + results/4).
    public var initialScale: Double
    private var rng: SplitMix64

    /// Creates a researcher.
    public init(space: RecipeSpace, initial: Recipe, exploration: Double = 0.15, initialScale: Double = 0.25,
                seed: UInt64) {
        self.space = space
        self.initial = initial
        self.exploration = exploration
        self.initialScale = initialScale
        self.rng = SplitMix64(seed: seed)
    }

    /// The next recipe to try, given everything known (this station's and adopted fleet results).
    public mutating func propose(known results: [Result]) -> (recipe: Recipe, hypothesis: String) {
        guard let best = results.filter({ $0.score.isFinite }).max(by: { $0.score < $1.score }) else {
            return (initial, "baseline: the default recipe")
        }
        if rng.nextUnitDouble() < exploration {
            return (space.sample(using: &rng), "explore: a fresh sample of the space")
        }
        let scale = initialScale / (1 + Double(results.count) / 4).squareRoot()
        let candidate = space.mutate(best.recipe, scale: scale, using: &rng)
        let changed = candidate.parameters.keys.sorted().filter {
            candidate.parameters[$0] != best.recipe.parameters[$0]
        }
        return (candidate, "exploit: perturb the best so far (score \(String(format: "%.3f", best.score))) in "
            + changed.joined(separator: ", "))
    }
}
