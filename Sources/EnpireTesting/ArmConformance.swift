public import Enpire
import Foundation
public import Logging

/// Runs a lab's own `RobotArm` through the checks a station relies on and reports what passed.
///
/// One call (``run(_:options:)``) connects the arm and checks, in order: the specification is usable; malformed
/// commands are refused (wrong dimension, non-finite values); states arrive at least at the control rate with the
/// right shape and no faults; a command-and-read round trip fits in a control period (p99); a hold keeps the pose;
/// a small motion is tracked; limits are respected (opt-in, it drives one joint to its limit); an injected fault is
/// reported (when the lab supplies an injector); `stop()` ends motion at once. The arm moves at most
/// ``ArmConformanceOptions/motionStep`` from where it starts unless ``ArmConformanceOptions/probeLimits`` is set:
/// run it with the arm clear of obstacles and a hand on the e-stop.
public enum ArmConformance {
    /// Runs every check on `arm` (connecting it first) and returns the report; logs it (`info`) to
    /// ``ArmConformanceOptions/logger`` when ``ArmConformanceOptions/logReport`` is set.
    public static func run(_ arm: any RobotArm, options: ArmConformanceOptions = ArmConformanceOptions()) async
        -> ArmConformanceReport {
        var checks: [ArmConformanceCheck] = []
        let spec = arm.specification
        func add(_ name: String, _ passed: Bool, _ detail: String, skipped: Bool = false) {
            checks.append(ArmConformanceCheck(name: name, passed: passed, detail: detail, skipped: skipped))
        }
        let period = spec.controlPeriodSeconds
        do {
            try await arm.connect()
            add("connect", true, "connected")
        } catch {
            add("connect", false, "connect() threw: \(error)")
            return finish(spec.name, checks, options)
        }

        // Specification.
        let limitsOK = spec.dimension > 0 && spec.lowerLimits.count == spec.dimension
            && spec.upperLimits.count == spec.dimension
            && zip(spec.lowerLimits, spec.upperLimits).allSatisfy { $0.isFinite && $1.isFinite && $0 < $1 }
        let homeOK = spec.homePosition.map { home in
            home.count == spec.dimension && home.indices.allSatisfy { spec.lowerLimits[$0]...spec.upperLimits[$0] ~= home[$0] }
        } ?? true
        add("specification", limitsOK && homeOK && spec.controlRateHz > 0,
            "\(spec.dimension) axes, finite limits with lower < upper: \(limitsOK), home inside limits: \(homeOK), "
                + "\(spec.controlRateHz) Hz")
        guard limitsOK else { return finish(spec.name, checks, options) }

        // Malformed commands.
        var refused: [String] = []
        if (try? await arm.send(.moveTo([Double](repeating: 0, count: spec.dimension + 1)))) == nil { refused.append("wrong dimension") }
        if (try? await arm.send(.moveTo([Double](repeating: .nan, count: spec.dimension)))) == nil { refused.append("NaN") }
        add("malformed commands", refused.count == 2, "refused: \(refused.isEmpty ? "none" : refused.joined(separator: ", ")) "
            + "(wrong dimension and NaN must both throw)")

        // State rate and shape.
        var samples: [RobotState] = []
        let clock = ContinuousClock()
        let started = clock.now
        do {
            for _ in 0..<options.stateSamples { samples.append(try await arm.observe()) }
            let seconds = seconds(clock.now - started)
            let rate = Double(samples.count) / max(seconds, 1e-9)
            let shapeOK = samples.allSatisfy { $0.position.count == spec.dimension && $0.velocity.count == spec.dimension }
            let monotonic = zip(samples, samples.dropFirst()).allSatisfy { $0.timestampSeconds <= $1.timestampSeconds }
            let faults = samples.flatMap(\.faults)
            let gripperOK = samples.allSatisfy { ($0.gripper != nil) == spec.hasGripper }
            add("state rate", rate >= spec.controlRateHz && shapeOK && monotonic && faults.isEmpty && gripperOK,
                String(format: "%.0f states/s (needs ≥ %.0f); shape %@, timestamps %@, gripper %@, faults: %@", rate,
                       spec.controlRateHz, shapeOK ? "ok" : "WRONG", monotonic ? "monotonic" : "NOT monotonic",
                       gripperOK ? "matches spec" : "does NOT match hasGripper",
                       faults.isEmpty ? "none" : faults.joined(separator: "; ")))
        } catch {
            add("state rate", false, "observe() threw: \(error)")
            return finish(spec.name, checks, options)
        }

        // Latency: send + observe round trip.
        var latencies: [Double] = []
        do {
            for _ in 0..<options.latencySamples {
                let begin = clock.now
                _ = try await arm.send(.hold)
                _ = try await arm.observe()
                latencies.append(seconds(clock.now - begin))
            }
            let p99 = percentile(latencies, 0.99)
            add("latency", p99 < period, String(format: "send+observe p50 %.2f ms, p99 %.2f ms (period %.2f ms)",
                                                percentile(latencies, 0.5) * 1000, p99 * 1000, period * 1000))
        } catch {
            add("latency", false, "send(.hold)/observe() threw: \(error)")
        }

        // Hold.
        do {
            _ = try await arm.send(.hold)
            let before = try await arm.observe().position
            try await Task.sleep(nanoseconds: UInt64(options.holdSeconds * 1e9))
            let drift = zip(before, try await arm.observe().position).map { abs($0 - $1) }.max() ?? 0
            add("hold", drift <= options.tolerance,
                String(format: "drift %.4f over %.2f s (tolerance %.4f)", drift, options.holdSeconds, options.tolerance))
        } catch {
            add("hold", false, "hold threw: \(error)")
        }

        // Tracking a small motion on the first axis, away from the nearer limit.
        do {
            let start = try await arm.observe().position
            var target = start
            let room = spec.upperLimits[0] - start[0] > start[0] - spec.lowerLimits[0]
            target[0] += room ? options.motionStep : -options.motionStep
            let deadline = clock.now + .milliseconds(Int(options.settleSeconds * 1000))
            var reached = start
            repeat {
                _ = try await arm.send(.moveTo(target))
                try await Task.sleep(nanoseconds: UInt64(period * 1e9))
                reached = try await arm.observe().position
            } while abs(reached[0] - target[0]) > options.tolerance && clock.now < deadline
            let error = abs(reached[0] - target[0])
            add("tracking", error <= options.tolerance,
                String(format: "axis %@ moved %.4f of %.4f (error %.4f, tolerance %.4f, within %.1f s)",
                       spec.axisNames[0], reached[0] - start[0], target[0] - start[0], error, options.tolerance,
                       options.settleSeconds))
        } catch {
            add("tracking", false, "motion threw: \(error)")
        }

        // Limits (opt-in: drives the first axis to its upper limit).
        if options.probeLimits {
            do {
                var beyond = try await arm.observe().position
                beyond[0] = spec.upperLimits[0] + (spec.upperLimits[0] - spec.lowerLimits[0])
                let applied = try await arm.send(.moveTo(beyond))
                let inside = applied.mode == .hold || applied.target.indices.allSatisfy {
                    applied.target[$0] >= spec.lowerLimits[$0] - 1e-9 && applied.target[$0] <= spec.upperLimits[$0] + 1e-9
                }
                add("limits", inside, inside ? "a command beyond the upper limit was applied inside the limits"
                        : "applied \(applied.target), outside \(spec.lowerLimits)…\(spec.upperLimits)")
            } catch {
                add("limits", true, "a command beyond the upper limit was refused: \(error)")
            }
        } else {
            add("limits", true, "not run: set probeLimits to drive one joint to its limit", skipped: true)
        }

        // Faults.
        if let inject = options.injectFault {
            await inject()
            var reported: String?
            do {
                let state = try await arm.observe()
                if !state.faults.isEmpty { reported = state.faults.joined(separator: "; ") }
            } catch {
                reported = "\(error)"
            }
            await options.clearFault?()
            let recovered = (try? await arm.observe()) != nil
            add("faults", reported != nil && recovered,
                "injected fault reported: \(reported ?? "NOT reported"); recovered after clearing: \(recovered)")
        } else {
            add("faults", true, "not run: no fault injector given", skipped: true)
        }

        // E-stop: start a motion back, stop at once, check nothing moves afterwards.
        do {
            let here = try await arm.observe().position
            var target = here
            let room = spec.upperLimits[0] - here[0] > here[0] - spec.lowerLimits[0]
            target[0] += room ? options.motionStep : -options.motionStep
            _ = try await arm.send(.moveTo(target))
            try await arm.stop()
            let stopped = try await arm.observe().position
            try await Task.sleep(nanoseconds: UInt64(options.holdSeconds * 1e9))
            let drift = zip(stopped, try await arm.observe().position).map { abs($0 - $1) }.max() ?? 0
            add("e-stop", drift <= options.tolerance,
                String(format: "after stop() the arm moved %.4f in %.2f s (tolerance %.4f)", drift, options.holdSeconds,
                       options.tolerance))
        } catch {
            add("e-stop", false, "stop threw: \(error)")
        }
        return finish(spec.name, checks, options)
    }

    private static func finish(_ name: String, _ checks: [ArmConformanceCheck], _ options: ArmConformanceOptions)
        -> ArmConformanceReport {
        let report = ArmConformanceReport(arm: name, checks: checks)
        if options.logReport { options.logger.info("\(report)") }
        return report
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
    }
}

/// Settings of an ``ArmConformance`` run.
public struct ArmConformanceOptions: Sendable {
    /// States read for the rate check.
    public var stateSamples: Int
    /// Round trips measured for the latency check.
    public var latencySamples: Int
    /// How long a hold (and the arm after `stop()`) must keep still, in seconds.
    public var holdSeconds: Double
    /// Allowed drift and tracking error, in the command space's units.
    public var tolerance: Double
    /// Size of the small motion on the first axis, in the command space's units.
    public var motionStep: Double
    /// Time allowed to reach the small motion's target, in seconds.
    public var settleSeconds: Double
    /// Whether to command the first axis beyond its upper limit (the arm moves to that limit).
    public var probeLimits: Bool
    /// Makes the arm (or its fake) fail, for the fault check; `nil` skips it.
    public var injectFault: (@Sendable () async -> Void)?
    /// Clears the injected fault.
    public var clearFault: (@Sendable () async -> Void)?
    /// Whether to log the report.
    public var logReport: Bool
    /// Where the report goes when ``logReport`` is set.
    public var logger: Logger

    /// Creates options; defaults suit a hobby arm in radians at 30 Hz.
    public init(stateSamples: Int = 60, latencySamples: Int = 60, holdSeconds: Double = 0.3, tolerance: Double = 0.01,
                motionStep: Double = 0.05, settleSeconds: Double = 2, probeLimits: Bool = false,
                injectFault: (@Sendable () async -> Void)? = nil, clearFault: (@Sendable () async -> Void)? = nil,
                logReport: Bool = true, logger: Logger = Logger(label: "enpire.testing.conformance")) {
        self.stateSamples = stateSamples
        self.latencySamples = latencySamples
        self.holdSeconds = holdSeconds
        self.tolerance = tolerance
        self.motionStep = motionStep
        self.settleSeconds = settleSeconds
        self.probeLimits = probeLimits
        self.injectFault = injectFault
        self.clearFault = clearFault
        self.logReport = logReport
        self.logger = logger
    }
}

/// The outcome of one conformance check.
public struct ArmConformanceCheck: Sendable, Equatable {
    /// Check name (for example `"hold"`).
    public var name: String
    /// Whether the arm passed.
    public var passed: Bool
    /// Measured figures and, on failure, what was wrong.
    public var detail: String
    /// Whether the check was not run (it counts as passed; the report says SKIP).
    public var skipped: Bool = false
}

/// What an ``ArmConformance`` run found.
public struct ArmConformanceReport: Sendable, Equatable, CustomStringConvertible {
    /// The arm's name.
    public var arm: String
    /// Every check, in the order run.
    public var checks: [ArmConformanceCheck]

    /// Whether every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The check named `name`, if it ran.
    public func check(_ name: String) -> ArmConformanceCheck? { checks.first { $0.name == name } }

    /// One line per check, then the verdict.
    public var description: String {
        var lines = ["Arm conformance: \(arm)"]
        for check in checks {
            let verdict = check.skipped ? "SKIP" : check.passed ? "PASS" : "FAIL"
            lines.append("  \(verdict)  \(check.name.padding(toLength: 20, withPad: " ", startingAt: 0))\(check.detail)")
        }
        lines.append(passed ? "  conforms: a station can drive this arm" : "  does NOT conform: fix the FAIL lines first")
        return lines.joined(separator: "\n")
    }
}
