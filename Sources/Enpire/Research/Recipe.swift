import Foundation

/// A training or control recipe: a family (for example `"pusht.heuristic"`, `"bc"`) and named numeric
/// hyperparameters. Recipes are what stations compare, keep, share through the fleet and adopt.
public struct Recipe: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Which kind of learner or controller the parameters configure.
    public var family: String
    /// Hyperparameters by name.
    public var parameters: [String: Double]

    /// Creates a recipe.
    public init(family: String, parameters: [String: Double]) {
        self.family = family
        self.parameters = parameters
    }

    /// `family{a=1, b=0.5}` with keys sorted, stable across runs.
    public var description: String {
        let body = parameters.keys.sorted().map { key in
            let value = parameters[key]!
            let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
            return "\(key)=\(text)"
        }
        return "\(family){\(body.joined(separator: ", "))}"
    }

    /// The recipe as ledger configuration strings: each parameter's value, plus its family under `family`
    /// (the form ledgers held before records carried a typed recipe).
    public var config: [String: String] {
        var config = parameters.mapValues { String($0) }
        config["family"] = family
        return config
    }

    /// The recipe that ledger configuration strings describe (see ``config``), or `nil` when they name no
    /// family or a value is not a finite number.
    public init?(config: [String: String]) {
        guard let family = config["family"], !family.isEmpty else { return nil }
        var parameters: [String: Double] = [:]
        for (key, value) in config where key != "family" {
            guard let number = Double(value), number.isFinite else { return nil }
            parameters[key] = number
        }
        self.init(family: family, parameters: parameters)
    }
}

/// The range one hyperparameter may take.
public struct ParameterRange: Sendable, Codable, Hashable {
    /// Parameter name.
    public var name: String
    /// Smallest allowed value.
    public var lower: Double
    /// Largest allowed value.
    public var upper: Double
    /// Whether values are rounded to integers.
    public var isInteger: Bool
    /// Whether to search on a logarithmic scale (learning rates, counts spanning decades).
    public var logScale: Bool

    /// Creates a range; `lower` must not exceed `upper`, and log-scale ranges must be positive.
    public init(_ name: String, _ lower: Double, _ upper: Double, integer: Bool = false, log: Bool = false) {
        self.name = name
        self.lower = min(lower, upper)
        self.upper = max(lower, upper)
        self.isInteger = integer
        self.logScale = log && lower > 0
    }

    func clamp(_ value: Double) -> Double {
        guard value.isFinite else { return lower }
        let clamped = min(max(value, lower), upper)
        return isInteger ? clamped.rounded() : clamped
    }

    /// Maps to [0, 1] in search coordinates.
    func normalised(_ value: Double) -> Double {
        guard upper > lower else { return 0 }
        if logScale { return (log(value) - log(lower)) / (log(upper) - log(lower)) }
        return (value - lower) / (upper - lower)
    }

    func denormalised(_ unit: Double) -> Double {
        let u = min(max(unit, 0), 1)
        if logScale { return clamp(exp(log(lower) + u * (log(upper) - log(lower)))) }
        return clamp(lower + u * (upper - lower))
    }
}

/// The search space of one recipe family.
public struct RecipeSpace: Sendable, Codable, Hashable {
    /// Family of the recipes this space produces.
    public var family: String
    /// One range per hyperparameter.
    public var ranges: [ParameterRange]

    /// Creates a space.
    public init(family: String, ranges: [ParameterRange]) {
        self.family = family
        self.ranges = ranges
    }

    /// A recipe drawn uniformly (in search coordinates) from the space.
    public func sample(using rng: inout SplitMix64) -> Recipe {
        var parameters: [String: Double] = [:]
        for range in ranges { parameters[range.name] = range.denormalised(rng.nextUnitDouble()) }
        return Recipe(family: family, parameters: parameters)
    }

    /// A Gaussian perturbation of `recipe` with standard deviation `scale` in search coordinates (0...1 per
    /// axis); parameters the recipe lacks are sampled; the result always lies inside the space.
    public func mutate(_ recipe: Recipe, scale: Double, using rng: inout SplitMix64) -> Recipe {
        var parameters: [String: Double] = [:]
        for range in ranges {
            if let value = recipe.parameters[range.name] {
                parameters[range.name] = range.denormalised(range.normalised(range.clamp(value)) + scale * rng.nextGaussian())
            } else {
                parameters[range.name] = range.denormalised(rng.nextUnitDouble())
            }
        }
        return Recipe(family: family, parameters: parameters)
    }

    /// Whether every parameter of `recipe` is named by the space and inside its range.
    public func contains(_ recipe: Recipe) -> Bool {
        recipe.family == family && ranges.allSatisfy { range in
            guard let value = recipe.parameters[range.name] else { return false }
            return value >= range.lower && value <= range.upper
        } && recipe.parameters.count == ranges.count
    }
}
