import Enpire
import Foundation
import Testing

@Suite("Built-in researcher")
struct ResearchTests {
    let space = RecipeSpace(family: "toy", ranges: [
        ParameterRange("x", -5, 5),
        ParameterRange("lr", 1e-4, 1e-1, log: true),
        ParameterRange("width", 16, 512, integer: true, log: true),
    ])

    @Test func samplesAndMutationsStayInsideTheSpace() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let sample = space.sample(using: &rng)
            #expect(space.contains(sample))
            let mutated = space.mutate(sample, scale: 3, using: &rng)
            #expect(space.contains(mutated))
            #expect(mutated.parameters["width"] == mutated.parameters["width"]!.rounded())
        }
        let broken = Recipe(family: "toy", parameters: ["x": .nan, "lr": 10, "width": -3])
        #expect(space.contains(space.mutate(broken, scale: 0.1, using: &rng)))
    }

    @Test func sameSeedSameProposals() {
        var rng = SplitMix64(seed: 1)
        var a = BuiltInResearcher(space: space, initial: space.sample(using: &rng), seed: 3)
        var b = a
        let history = [BuiltInResearcher.Result(recipe: a.initial, score: 0.5)]
        for _ in 0..<20 { #expect(a.propose(known: history).recipe == b.propose(known: history).recipe) }
    }

    @Test func findsTheOptimumOfASmoothObjective() {
        // Maximise -(x - 2)^2 - (log10(lr) + 2)^2: optimum at x = 2, lr = 1e-2.
        func score(_ r: Recipe) -> Double {
            let x = r.parameters["x"]!, lr = r.parameters["lr"]!
            return -(x - 2) * (x - 2) - (log10(lr) + 2) * (log10(lr) + 2)
        }
        let initial = Recipe(family: "toy", parameters: ["x": -4, "lr": 1e-4, "width": 64])
        var researcher = BuiltInResearcher(space: space, initial: initial, seed: 11)
        var results: [BuiltInResearcher.Result] = []
        for _ in 0..<150 {
            let proposal = researcher.propose(known: results)
            results.append(.init(recipe: proposal.recipe, score: score(proposal.recipe)))
        }
        let best = results.max { $0.score < $1.score }!
        #expect(score(initial) < -20)
        #expect(best.score > -0.05, "best \(best.recipe) scored \(best.score)")
    }

    @Test func recipeDescriptionIsStable() {
        let recipe = Recipe(family: "bc", parameters: ["lr": 0.001, "epochs": 30])
        #expect(recipe.description == "bc{epochs=30, lr=0.001}")
    }
}
