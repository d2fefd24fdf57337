import Enpire
import Testing

@Suite("Safety envelope")
struct SafetyEnvelopeTests {
    static let planar = ArmSpecification(name: "planar", axisNames: ["x", "y"], lowerLimits: [0, 0],
                                         upperLimits: [512, 512], controlRateHz: 10)
    static let spatial = ArmSpecification(name: "spatial", axisNames: ["x", "y", "z"], lowerLimits: [-1, -1, 0],
                                          upperLimits: [1, 1, 1.2], controlRateHz: 50, hasGripper: true)

    static func envelopes() throws -> [SafetyEnvelope] {
        let hull2 = try Workspace.hull(keyposes: [[100, 100], [400, 120], [380, 420], [90, 380], [250, 250]], margin: 10)
        let hull3 = try Workspace.hull(keyposes: [[-0.5, -0.5, 0.1], [0.5, -0.5, 0.1], [0.5, 0.5, 0.1], [-0.5, 0.5, 0.1],
                                                  [0, 0, 0.9], [0.2, -0.1, 0.6]], margin: 0.02)
        return [
            try SafetyEnvelope(specification: planar),
            try SafetyEnvelope(specification: planar, workspace: hull2, maxStep: 40, boundaryBand: 20),
            try SafetyEnvelope(specification: spatial, workspace: hull3, maxStep: 0.05, boundaryBand: 0.05),
            try SafetyEnvelope(specification: spatial, maxStep: 0.1),
        ]
    }

    /// Property: 100,000 hostile commands never yield motion outside the envelope; non-finite values never move;
    /// with a step limit no target is further than the limit from the (known) position, an unknown position
    /// holds, and from outside the workspace a target never moves away from it.
    @Test func noCommandEverLeavesTheEnvelope() throws {
        var rng = SplitMix64(seed: 20_261_122)
        let envelopes = try Self.envelopes()
        let specials: [Double] = [.nan, .infinity, -.infinity, 1e308, -1e308, .greatestFiniteMagnitude, 0, -0.0, .leastNonzeroMagnitude]
        func value(_ scale: Double) -> Double {
            switch rng.next() % 10 {
            case 0: return specials[Int(rng.next() % UInt64(specials.count))]
            case 1: return (rng.nextUnitDouble() - 0.5) * 1e12
            default: return (rng.nextUnitDouble() * 1.6 - 0.3) * scale
            }
        }
        var moved = 0, held = 0
        // Failures are collected and checked once: a per-command #expect would dominate the run time.
        var violations: [String] = []
        for trial in 0..<100_000 {
            let envelope = envelopes[trial % envelopes.count]
            let dimension = envelope.workspace.dimension
            let scale = dimension == 2 ? 512.0 : 1.5
            let axes = rng.next() % 20 == 0 ? Int(rng.next() % 5) : dimension
            let target = (0..<axes).map { _ in value(scale) }
            let current: [Double]? = rng.next() % 4 == 0 ? nil : (0..<dimension).map { _ in value(scale) }
            let gripper: Double? = rng.next() % 3 == 0 ? value(1) : nil
            let requested = ArmCommand(mode: rng.next() % 50 == 0 ? .hold : .position, target: target, gripper: gripper)
            let (applied, interventions) = envelope.filter(requested, currentPosition: current)
            if applied.mode == .hold {
                held += 1
                if !applied.target.isEmpty { violations.append("trial \(trial): hold with a target \(applied)") }
                continue
            }
            moved += 1
            let known = current.flatMap { $0.count == dimension && $0.allSatisfy(\.isFinite) ? $0 : nil }
            if let maxStep = envelope.maxStep {
                guard let known else {
                    violations.append("trial \(trial): moved with a step limit from unknown position \(String(describing: current))")
                    continue
                }
                let step = zip(applied.target, known).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                // Rounding at the position's magnitude (positions up to 1e12 here) is the only slack.
                let magnitude = known.map(abs).max() ?? 0
                if step > maxStep * (1 + 1e-9) + 8 * magnitude.ulp { violations.append("trial \(trial): step \(step) > \(maxStep)") }
            }
            if !envelope.workspace.contains(applied.target) {
                // Allowed only when the arm is already outside with a step limit: a step that does not move away.
                // The gap is the largest face violation, convex like the distance and free of projection rounding.
                func gap(_ p: [Double]) -> Double {
                    envelope.workspace.faces.map { face in
                        zip(face.normal, p).map(*).reduce(0, +) - face.offset
                    }.max() ?? 0
                }
                let magnitude = known.map { $0.map(abs).max() ?? 0 } ?? 0
                if envelope.maxStep == nil || known.map({ envelope.workspace.contains($0) }) ?? true
                    || gap(applied.target) > gap(known ?? []) + 8 * magnitude.ulp {
                    violations.append("trial \(trial): \(requested) -> \(applied) is outside the workspace")
                }
            }
            if let g = applied.gripper, !(g >= 0 && g <= 1) { violations.append("trial \(trial): gripper \(g)") }
            if !(target.allSatisfy(\.isFinite) && (gripper?.isFinite ?? true)) {
                violations.append("trial \(trial): non-finite request \(requested) produced motion \(applied)")
            }
            if applied.target != requested.target, interventions.isEmpty {
                violations.append("trial \(trial): changed without an intervention record")
            }
        }
        #expect(violations.isEmpty, "\(violations.count) violations, first: \(violations.prefix(3))")
        #expect(moved > 50_000 && held > 5_000)
    }

    @Test func stepLimitAndClampAreRecorded() throws {
        let envelope = try SafetyEnvelope(specification: Self.planar, maxStep: 10)
        let (applied, interventions) = envelope.filter(.moveTo([300, 100]), currentPosition: [100, 100])
        #expect(applied.target == [110, 100])
        #expect(interventions.map(\.kind) == [.stepLimited])
        #expect(interventions[0].requested.target == [300, 100])
        let (clamped, records) = try SafetyEnvelope(specification: Self.planar)
            .filter(.moveTo([600, -5]), currentPosition: nil)
        #expect(clamped.target == [512, 0])
        #expect(records.map(\.kind) == [.clampedToWorkspace])
    }

    @Test func attenuationSlowsOutwardMotionNearTheBoundary() throws {
        let envelope = try SafetyEnvelope(specification: Self.planar, boundaryBand: 50)
        // 20 px from the right wall, moving 10 px outward: the outward part shrinks to 10 * (10 / 50).
        let (applied, interventions) = envelope.filter(.moveTo([502, 200]), currentPosition: [492, 200])
        #expect(abs(applied.target[0] - 494) < 1e-9)
        #expect(interventions.map(\.kind) == [.attenuatedNearBoundary])
        // Moving inward is untouched.
        let inward = envelope.filter(.moveTo([480, 200]), currentPosition: [492, 200])
        #expect(inward.applied.target == [480, 200] && inward.interventions.isEmpty)
    }

    @Test func emergencyStopLatchesUntilCleared() throws {
        var envelope = try SafetyEnvelope(specification: Self.planar)
        envelope.latchEmergencyStop()
        for _ in 0..<3 {
            let (applied, records) = envelope.filter(.moveTo([10, 10]), currentPosition: [0, 0])
            #expect(applied == .hold && records.first?.kind == .emergencyStop)
        }
        envelope.clearEmergencyStop()
        #expect(envelope.filter(.moveTo([10, 10]), currentPosition: [0, 0]).applied.target == [10, 10])
    }

    @Test func badConfigurationsAreClearErrors() {
        #expect(throws: SafetyConfigurationError.self) { try Workspace.hull(keyposes: [[0, 0], [1, 1], [2, 2]], margin: 0) }
        #expect(throws: SafetyConfigurationError.self) { try Workspace.box(lower: [0, 1], upper: [1]) }
        #expect(throws: SafetyConfigurationError.self) { try Workspace.box(lower: [2], upper: [1]) }
        #expect(throws: SafetyConfigurationError.self) { try SafetyEnvelope(specification: Self.planar, maxStep: -1) }
    }

    @Test func watchdogFiresOncePerGap() {
        var watchdog = CommandWatchdog(timeoutSeconds: 0.4)
        var fired: [Bool] = []
        fired.append(watchdog.shouldHold(at: 10))
        watchdog.noteCommand(at: 1.0)
        fired.append(watchdog.shouldHold(at: 1.39))
        fired.append(watchdog.shouldHold(at: 1.41))
        fired.append(watchdog.shouldHold(at: 1.6))
        watchdog.noteCommand(at: 2.0)
        fired.append(watchdog.shouldHold(at: 2.5))
        #expect(fired == [false, false, true, false, true])
    }
}
