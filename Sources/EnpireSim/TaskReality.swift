import Enpire
public import Foundation

/// One departure a task's reality may range over: its key in a reality file, its physical bounds and what it means.
public struct RealityKey: Sendable, Equatable {
    /// Key in a reality file.
    public var name: String
    /// Values a range of this key may take.
    public var bounds: ClosedRange<Double>
    /// Unit and meaning, one line (shown in errors and docs).
    public var meaning: String

    /// Creates a key.
    public init(_ name: String, _ bounds: ClosedRange<Double>, _ meaning: String) {
        self.name = name
        self.bounds = bounds
        self.meaning = meaning
    }
}

/// A task's perturbation model: its keys and presets; ``clean``, ``presets`` and ``load(nameOrPath:)`` follow.
public protocol TaskRealityModel {
    /// The task's name in reality files and messages.
    static var task: String { get }
    /// The keys a reality file of the task may hold.
    static var keys: [RealityKey] { get }
    /// The `mild` preset.
    static var mild: TaskReality { get }
    /// The `harsh` preset.
    static var harsh: TaskReality { get }
}

extension TaskRealityModel {
    /// The clean simulator (no range).
    public static var clean: TaskReality { TaskReality(task: task, name: "clean") }

    /// The presets by name.
    public static var presets: [String: TaskReality] { ["clean": clean, "mild": mild, "harsh": harsh] }

    /// A preset by name or a reality file by path.
    ///
    /// - Throws: ``PushTRealityError`` when it is neither, or the file is invalid.
    public static func load(nameOrPath: String) throws(PushTRealityError) -> TaskReality {
        try TaskReality.load(nameOrPath: nameOrPath, task: task, keys: keys, presets: presets)
    }
}

/// Named ranges of a simulated task's departures from its clean simulator (pin insertion, zip-tie), with the same
/// file format as ``PushTReality``: a JSON object `{"name": ..., "key": [low, high] or number, ...}`, at most
/// 64 KiB, unknown keys and out-of-bounds ranges refused. One concrete draw per episode, seeded by the episode
/// seed (the same seed gives the same departures). A missing key keeps the clean simulator's value; a reality
/// without ranges is clean and the simulation runs its unmodified code path.
public struct TaskReality: Sendable, Equatable {
    /// Task the reality belongs to (`pin`, `ziptie`).
    public var task: String
    /// Name reported with results.
    public var name: String
    /// The ranges by key.
    public var ranges: [String: PushTRealityRange]

    /// Creates a reality of `task` named `name` with `ranges`.
    public init(task: String, name: String, ranges: [String: PushTRealityRange] = [:]) {
        self.task = task
        self.name = name
        self.ranges = ranges
    }

    /// Whether no range is set (the simulation stays on its clean code path).
    public var isClean: Bool { ranges.isEmpty }

    /// The preset among `presets` named `nameOrPath`, or else the JSON file at that path, checked against `keys`.
    ///
    /// - Throws: ``PushTRealityError`` when the name is neither a preset nor a readable, valid file.
    public static func load(nameOrPath: String, task: String, keys: [RealityKey], presets: [String: TaskReality])
        throws(PushTRealityError) -> TaskReality {
        if let preset = presets[nameOrPath] { return preset }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw .unknown("'\(nameOrPath)' is neither a \(task) preset (\(presets.keys.sorted().joined(separator: ", "))) "
                           + "nor an existing file")
        }
        return try decode(RealityFile.read(nameOrPath), task: task, keys: keys, source: nameOrPath)
    }

    /// Decodes and validates a reality of `task` from JSON; `source` names it in messages.
    ///
    /// - Throws: ``PushTRealityError/invalid(_:)`` for malformed JSON, unknown keys or out-of-bounds ranges.
    public static func decode(_ data: Data, task: String, keys: [RealityKey], source: String = "reality file")
        throws(PushTRealityError) -> TaskReality {
        let dictionary = try RealityFile.object(data, source: source,
                                                example: "\"\(keys.first?.name ?? "key")\": [0, 1]")
        let known = keys.map(\.name)
        var reality = TaskReality(task: task, name: "")
        for key in dictionary.keys.sorted() {
            let value = dictionary[key] as Any
            if key == "name" {
                guard let name = value as? String else { throw .invalid("\(source): name must be a string") }
                reality.name = name
                continue
            }
            guard known.contains(key) else {
                throw .invalid("\(source) has unknown \(task) key '\(key)'; known keys: name, \(known.joined(separator: ", "))")
            }
            if let number = value as? NSNumber, !(value is Bool) {
                reality.ranges[key] = .init(number.doubleValue, number.doubleValue)
            } else if let pair = value as? [NSNumber], pair.count == 2 {
                reality.ranges[key] = .init(pair[0].doubleValue, pair[1].doubleValue)
            } else {
                throw .invalid("\(source): \(key) must be [low, high] or one number")
            }
        }
        if reality.name.isEmpty { throw .invalid("\(source): missing key 'name'") }
        try reality.validate(keys: keys, source: source)
        return reality
    }

    /// Checks the name and every range against its key's bounds.
    ///
    /// - Throws: ``PushTRealityError/invalid(_:)`` naming the first bad key, its range and the allowed interval.
    public func validate(keys: [RealityKey], source: String = "reality") throws(PushTRealityError) {
        try RealityFile.checkName(name, source: source)
        for (key, range) in ranges.sorted(by: { $0.key < $1.key }) {
            guard let spec = keys.first(where: { $0.name == key }) else {
                throw .invalid("\(source): unknown \(task) key '\(key)'")
            }
            try RealityFile.check(range, key: key, bounds: spec.bounds, meaning: spec.meaning, source: source)
        }
    }

    /// One value per key, in `keys` order, each drawn uniformly from its range (nil for a missing range) from a
    /// stream derived from `seed` and `salt`; a key drawn twice (per axis) appears in `keys` twice. The last
    /// element is a seed for per-step noise.
    public func draw(seed: UInt64, salt: UInt64, keys: [String]) -> (values: [Double?], noiseSeed: UInt64) {
        var random = SplitMix64(seed: seed ^ salt)
        let values: [Double?] = keys.map { PushTRealityRange.draw(ranges[$0], from: &random) }
        return (values, random.next())
    }
}

extension TaskReality: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes as a reality file (`name` and the ranges); the task is not written.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(name, forKey: Key(stringValue: "name"))
        for (key, range) in ranges { try container.encode(range, forKey: Key(stringValue: key)) }
    }

    /// Decodes a reality file without checking its keys (the task is left empty): use
    /// ``decode(_:task:keys:source:)`` for a checked load.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var ranges: [String: PushTRealityRange] = [:]
        var name = ""
        for key in container.allKeys {
            if key.stringValue == "name" { name = try container.decode(String.self, forKey: key) } else {
                ranges[key.stringValue] = try container.decode(PushTRealityRange.self, forKey: key)
            }
        }
        self.init(task: "", name: name, ranges: ranges)
    }
}
