import Foundation
import MCP

/// The arguments of one tool call, read with messages that name the tool and the argument.
struct ToolArguments {
    let values: [String: Value]
    let tool: String

    init(_ values: [String: Value], tool: String) {
        self.values = values
        self.tool = tool
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name]?.stringValue, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MCPToolError("\(tool): argument '\(name)' must be a non-empty string")
        }
        return value
    }

    /// The string argument `name`, or `nil` when it is absent, empty or not a string.
    func optionalString(_ name: String) -> String? {
        guard let value = values[name]?.stringValue, !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        try optionalInteger(name, in: range) ?? fallback
    }

    func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = values[name], value != .null else { return nil }
        guard let number = Self.number(value), number.rounded() == number, let integer = Int(exactly: number),
              range.contains(integer) else {
            throw MCPToolError("\(tool): argument '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return integer
    }

    /// The recipe argument as parameter values (missing, null or empty: none).
    func recipe() throws -> [String: Double] {
        guard let value = values["recipe"], value != .null else { return [:] }
        guard let object = value.objectValue else {
            throw MCPToolError("\(tool): argument 'recipe' must be an object of parameter names to numbers, got \(value)")
        }
        var parameters: [String: Double] = [:]
        for (name, entry) in object {
            guard let number = Self.number(entry), number.isFinite else {
                throw MCPToolError("\(tool): recipe value for '\(name)' must be a finite number, got \(entry)")
            }
            parameters[name] = number
        }
        return parameters
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let integer): Double(integer)
        case .double(let double): double
        default: nil
        }
    }
}
