public import Enpire
public import EnpireSim

/// The planner-parameter recipe family the built-in researcher searches for Push-T ("code as policy").
public enum PushTPlannerRecipes {
    /// Family name recorded in ledgers and fleet commits.
    public static let family = "pusht.planner"

    /// The searched subset of `PushTPlannerParameters`.
    public static let space = RecipeSpace(family: family, ranges: [
        ParameterRange("contactsPerEdge", 1, 4, integer: true),
        ParameterRange("pushDistanceCount", 1, 6, integer: true),
        ParameterRange("pushDistanceMin", 0.5, 20, log: true),
        ParameterRange("pushDistanceMax", 10, 120),
        ParameterRange("angleWeight", 0, 300),
        ParameterRange("coverageWeight", 0, 300),
        ParameterRange("stepPenalty", 0, 3),
        ParameterRange("targetCoverage", 0.95, 0.985),
    ])

    /// ``space`` plus the push speed, the settling steps after a push, whether the planner identifies its pusher
    /// online (`identifyPusher`, 0 or 1) and how close its pusher must come to a primitive's last target before it
    /// plans again (`arrivalTolerance`, pixels; 0 = off): what a search under a perturbed reality (lag, latency,
    /// friction) also tunes.
    public static let robustSpace = RecipeSpace(family: family, ranges: space.ranges + [
        ParameterRange("pushSpeed", 3, 12),
        ParameterRange("settleSteps", 0, 6, integer: true),
        ParameterRange("identifyPusher", 0, 1, integer: true),
        ParameterRange("arrivalTolerance", 0, 8),
    ])

    /// The deliberately naive starting point of every station: one contact per edge, two coarse push
    /// lengths, no coverage term. Campaigns start here so that the report shows what the search finds.
    public static let baseline = Recipe(family: family, parameters: [
        "contactsPerEdge": 1, "pushDistanceCount": 2, "pushDistanceMin": 10, "pushDistanceMax": 40,
        "angleWeight": 20, "coverageWeight": 0, "stepPenalty": 0.3,
    ])

    /// Planner parameters for a recipe (a minimum push above the maximum is lowered to it).
    public static func parameters(for recipe: Recipe) throws -> PushTPlannerParameters {
        var values = recipe.parameters
        if let low = values["pushDistanceMin"], let high = values["pushDistanceMax"], low > high {
            values["pushDistanceMin"] = high
        }
        return try PushTPlannerParameters(recipe: values)
    }

    /// A recipe as ledger configuration strings (plus its family).
    public static func config(_ recipe: Recipe) -> [String: String] {
        var config = recipe.parameters.mapValues { String($0) }
        config["family"] = recipe.family
        return config
    }

    /// The recipe a ledger configuration describes, if it is of this family.
    public static func recipe(from config: [String: String]) -> Recipe? {
        guard config["family"] == family else { return nil }
        var parameters: [String: Double] = [:]
        for (key, value) in config where key != "family" {
            guard let number = Double(value) else { return nil }
            parameters[key] = number
        }
        return Recipe(family: family, parameters: parameters)
    }
}
