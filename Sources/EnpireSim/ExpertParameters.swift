/// A scripted expert's tunable numbers (a recipe a researcher can search), described by one table of fields:
/// each field's name, where it is stored and the values it accepts. ``recipe`` and ``init(recipe:)`` are derived
/// from the table, so a parameter is named in one place.
public protocol ExpertParameters: Sendable, Equatable {
    /// The default setting.
    init()
    /// How messages name the expert (`pin expert`).
    static var expertName: String { get }
    /// Every parameter: its name in a recipe, its stored property and the values it accepts.
    static var fields: [ExpertParameterField<Self>] { get }
}

/// One named, range-checked number of an ``ExpertParameters`` type.
public struct ExpertParameterField<Parameters> {
    /// The name in a recipe.
    public let name: String
    /// Where the value is stored.
    public let keyPath: WritableKeyPath<Parameters, Double>
    /// The values accepted (finite, within this range).
    public let range: ClosedRange<Double>

    /// Describes a field.
    public init(_ name: String, _ keyPath: WritableKeyPath<Parameters, Double>, _ range: ClosedRange<Double>) {
        self.name = name
        self.keyPath = keyPath
        self.range = range
    }
}

extension ExpertParameters {
    /// The parameters as named numbers.
    public var recipe: [String: Double] {
        Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.name, self[keyPath: $0.keyPath]) })
    }

    /// Reads named numbers; missing names keep their defaults.
    ///
    /// - Throws: ``SimulatedTaskError/invalidParameter(_:)`` naming an unknown name or a value out of range.
    public init(recipe: [String: Double]) throws {
        self.init()
        for (name, value) in recipe {
            guard let field = Self.fields.first(where: { $0.name == name }) else {
                throw SimulatedTaskError.invalidParameter(
                    "\(Self.expertName) has no parameter \(name); known: \(Self.fields.map(\.name).sorted())")
            }
            guard value.isFinite, field.range.contains(value) else {
                throw SimulatedTaskError.invalidParameter("\(Self.expertName) \(name) = \(value); use \(field.range)")
            }
            self[keyPath: field.keyPath] = value
        }
    }
}
