/// Tunable settings of ``PushTPushPlanner``: how many push primitives it tries, how far and how fast it pushes,
/// and how it weighs angle against position.
///
/// All fields are plain numbers so that a researcher can tune them through ``recipe`` / ``init(recipe:)``.
/// The defaults are the strong setting measured in Docs/PushT.md; cheaper settings (fewer contacts or push
/// distances) still work, with lower success.
public struct PushTPlannerParameters: Sendable, Codable, Equatable {
    /// Contact points sampled per long edge of the T (1...4); short edges get one or two.
    public var contactsPerEdge: Int
    /// Number of push distances tried per contact point (1...8), spaced geometrically.
    public var pushDistanceCount: Int
    /// Shortest push distance tried, in pixels (beyond first touch).
    public var pushDistanceMin: Double
    /// Longest push distance tried, in pixels.
    public var pushDistanceMax: Double
    /// Target advance per control step while pushing, in pixels.
    public var pushSpeed: Double
    /// Target advance per control step while travelling to a contact, in pixels.
    public var approachSpeed: Double
    /// Distance from the block's centre of gravity kept while travelling around it, in pixels.
    public var approachRadius: Double
    /// Extra clearance between the agent disc and the T when a straight approach is considered safe, in pixels.
    public var clearanceMargin: Double
    /// Gap between the agent disc and the T at the pre-contact point, in pixels.
    public var contactGap: Double
    /// Control steps the target is held after a push, so that the lagging agent finishes it in the rollout.
    public var settleSteps: Int
    /// Pixels of cost per radian of angle error (cost = CoG distance + angleWeight * |angle error|).
    public var angleWeight: Double
    /// Pixels of cost per unit of uncovered goal (cost adds coverageWeight * (1 - coverage)), which steers the
    /// last fine pushes by the success measure itself.
    public var coverageWeight: Double
    /// Pixels of cost per control step spent, so that short primitives win ties.
    public var stepPenalty: Double
    /// Control steps of a planned primitive executed before planning again (0: the whole primitive).
    public var replanInterval: Int
    /// Coverage the planner aims for before it stops pushing. gym-pusht ends an episode at 0.95; a station
    /// judged by a camera needs a margin above that before the camera confirms (see EnpireReward).
    public var targetCoverage: Double
    /// 1: the expert identifies its pusher's command latency, tracking lag and controller gain online, from the
    /// commands it sent and the pusher positions it observed (what a real arm's own encoders give), and plans with
    /// that model, commands in flight included (``PushTHeuristicExpert``); 0 (default): it plans with clean
    /// gym-pusht, which has none of them.
    public var identifyPusher: Int
    /// Pixels: when a primitive's targets are used up, the expert holds the last one until the pusher is within
    /// this distance of it (at most ``PushTArrivalWait/maximumSteps`` steps, ``PushTArrivalWait``) before planning again, so a
    /// soft or lagging pusher finishes its push first. 0 (default): it plans as soon as the targets run out, as
    /// clean gym-pusht's perfectly tracking pusher allows.
    public var arrivalTolerance: Double

    /// Creates parameters; the defaults are the strong setting.
    public init(contactsPerEdge: Int = 3, pushDistanceCount: Int = 5, pushDistanceMin: Double = 0.5,
                pushDistanceMax: Double = 60, pushSpeed: Double = 8, approachSpeed: Double = 25,
                approachRadius: Double = 105, clearanceMargin: Double = 4, contactGap: Double = 3,
                settleSteps: Int = 2, angleWeight: Double = 80, coverageWeight: Double = 60,
                stepPenalty: Double = 0.3, replanInterval: Int = 0,
                targetCoverage: Double = PushTGeometry.successThreshold, identifyPusher: Int = 0,
                arrivalTolerance: Double = 0) {
        self.targetCoverage = targetCoverage
        self.identifyPusher = identifyPusher
        self.arrivalTolerance = arrivalTolerance
        self.contactsPerEdge = contactsPerEdge
        self.pushDistanceCount = pushDistanceCount
        self.pushDistanceMin = pushDistanceMin
        self.pushDistanceMax = pushDistanceMax
        self.pushSpeed = pushSpeed
        self.approachSpeed = approachSpeed
        self.approachRadius = approachRadius
        self.clearanceMargin = clearanceMargin
        self.contactGap = contactGap
        self.settleSteps = settleSteps
        self.angleWeight = angleWeight
        self.coverageWeight = coverageWeight
        self.stepPenalty = stepPenalty
        self.replanInterval = replanInterval
    }

    private enum CodingKeys: String, CodingKey {
        case contactsPerEdge, pushDistanceCount, pushDistanceMin, pushDistanceMax, pushSpeed, approachSpeed
        case approachRadius, clearanceMargin, contactGap, settleSteps, angleWeight, coverageWeight, stepPenalty
        case replanInterval, targetCoverage, identifyPusher, arrivalTolerance
    }

    /// Decodes parameters; `identifyPusher` and `arrivalTolerance`, added after checkpoints and ledger records
    /// were first written, default to 0 (off) when missing, so older files still load.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            contactsPerEdge: try c.decode(Int.self, forKey: .contactsPerEdge),
            pushDistanceCount: try c.decode(Int.self, forKey: .pushDistanceCount),
            pushDistanceMin: try c.decode(Double.self, forKey: .pushDistanceMin),
            pushDistanceMax: try c.decode(Double.self, forKey: .pushDistanceMax),
            pushSpeed: try c.decode(Double.self, forKey: .pushSpeed),
            approachSpeed: try c.decode(Double.self, forKey: .approachSpeed),
            approachRadius: try c.decode(Double.self, forKey: .approachRadius),
            clearanceMargin: try c.decode(Double.self, forKey: .clearanceMargin),
            contactGap: try c.decode(Double.self, forKey: .contactGap),
            settleSteps: try c.decode(Int.self, forKey: .settleSteps),
            angleWeight: try c.decode(Double.self, forKey: .angleWeight),
            coverageWeight: try c.decode(Double.self, forKey: .coverageWeight),
            stepPenalty: try c.decode(Double.self, forKey: .stepPenalty),
            replanInterval: try c.decode(Int.self, forKey: .replanInterval),
            targetCoverage: try c.decode(Double.self, forKey: .targetCoverage),
            identifyPusher: try c.decodeIfPresent(Int.self, forKey: .identifyPusher) ?? 0,
            arrivalTolerance: try c.decodeIfPresent(Double.self, forKey: .arrivalTolerance) ?? 0)
    }

    /// The parameters as named numbers (integers as whole doubles), for experiment ledgers and tuners.
    public var recipe: [String: Double] {
        [
            "contactsPerEdge": Double(contactsPerEdge), "pushDistanceCount": Double(pushDistanceCount),
            "pushDistanceMin": pushDistanceMin, "pushDistanceMax": pushDistanceMax, "pushSpeed": pushSpeed,
            "approachSpeed": approachSpeed, "approachRadius": approachRadius, "clearanceMargin": clearanceMargin,
            "contactGap": contactGap, "settleSteps": Double(settleSteps), "angleWeight": angleWeight,
            "coverageWeight": coverageWeight,
            "stepPenalty": stepPenalty, "replanInterval": Double(replanInterval), "targetCoverage": targetCoverage,
            "identifyPusher": Double(identifyPusher), "arrivalTolerance": arrivalTolerance,
        ]
    }

    /// Reads parameters from named numbers; missing names keep their defaults.
    ///
    /// Throws when a name is unknown or a value is out of its range, with the name, the value and the range.
    public init(recipe: [String: Double]) throws {
        self.init()
        for (name, value) in recipe {
            guard value.isFinite else { throw PushTPlannerError.outOfRange(name, value, "a finite number") }
            func count(_ range: ClosedRange<Int>) throws -> Int {
                guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound)
                else { throw PushTPlannerError.outOfRange(name, value, "a whole number in \(range)") }
                return Int(value)
            }
            func length(_ range: ClosedRange<Double>) throws -> Double {
                guard range.contains(value) else { throw PushTPlannerError.outOfRange(name, value, "\(range)") }
                return value
            }
            switch name {
            case "contactsPerEdge": contactsPerEdge = try count(1...4)
            case "pushDistanceCount": pushDistanceCount = try count(1...8)
            case "pushDistanceMin": pushDistanceMin = try length(0.5...100)
            case "pushDistanceMax": pushDistanceMax = try length(0.5...200)
            case "pushSpeed": pushSpeed = try length(1...50)
            case "approachSpeed": approachSpeed = try length(2...100)
            case "approachRadius": approachRadius = try length(92...250)
            case "clearanceMargin": clearanceMargin = try length(0...50)
            case "contactGap": contactGap = try length(0...30)
            case "settleSteps": settleSteps = try count(0...10)
            case "angleWeight": angleWeight = try length(0...1000)
            case "coverageWeight": coverageWeight = try length(0...10000)
            case "stepPenalty": stepPenalty = try length(0...100)
            case "replanInterval": replanInterval = try count(0...100)
            case "targetCoverage": targetCoverage = try length(PushTGeometry.successThreshold...0.995)
            case "identifyPusher": identifyPusher = try count(0...1)
            case "arrivalTolerance": arrivalTolerance = try length(0...20)
            default: throw PushTPlannerError.unknownParameter(name, Array(PushTPlannerParameters().recipe.keys).sorted())
            }
        }
        if pushDistanceMin > pushDistanceMax {
            throw PushTPlannerError.outOfRange("pushDistanceMin", pushDistanceMin, "at most pushDistanceMax (\(pushDistanceMax))")
        }
    }
}

/// Errors configuring the Push-T planner.
public enum PushTPlannerError: Error, Equatable, CustomStringConvertible {
    /// A recipe named a parameter the planner does not have.
    case unknownParameter(String, [String])
    /// A recipe value was outside its allowed range.
    case outOfRange(String, Double, String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unknownParameter(let name, let known):
            return "unknown Push-T planner parameter '\(name)'; known: \(known.joined(separator: ", "))"
        case .outOfRange(let name, let value, let allowed):
            return "Push-T planner parameter \(name) = \(value) is out of range; use \(allowed)"
        }
    }
}
