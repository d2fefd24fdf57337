import Foundation
import Testing
@testable import EnpireSim

/// The Push-T perturbation model: clean is gym-pusht bit for bit, draws repeat per seed, files are checked.
@Suite("Push-T reality (sim-to-real perturbations)")
struct PushTRealityTests {
    /// States after every step of a fixed push sequence from `seed`'s start.
    static func trajectory(seed: UInt64, reality: PushTReality?) throws -> [PushTState] {
        let simulation = PushTSimulation()
        simulation.reality = reality
        simulation.reset(seed: seed)
        let start = simulation.state
        var states: [PushTState] = []
        // Drive the pusher into the block and beyond so that contacts happen.
        for step in 0..<40 {
            let t = Double(step) / 40
            try simulation.step(action: (start.agentX + (start.blockX - start.agentX) * 1.5 * t,
                                         start.agentY + (start.blockY - start.agentY) * 1.5 * t))
            states.append(simulation.state)
        }
        return states
    }

    @Test func cleanIsBitExactTheUnperturbedSimulator() throws {
        for seed: UInt64 in [0, 1, 42, 8_000_000] {
            let plain = try Self.trajectory(seed: seed, reality: nil)
            #expect(try Self.trajectory(seed: seed, reality: .clean) == plain)
            #expect(PushTReality.clean.perturbation(seed: seed) == nil)
            #expect(PushTReality.clean.isClean && !PushTReality.mild.isClean)
        }
        // The fixed push makes contact (otherwise the comparison would prove little).
        let plain = try Self.trajectory(seed: 1, reality: nil)
        let start = PushTSimulation.startState(seed: 1)
        #expect(abs(plain.last!.blockX - start[2]) + abs(plain.last!.blockY - start[3]) > 1)
    }

    @Test func drawsRepeatPerSeedAndStayInTheirRanges() throws {
        let a = try #require(PushTReality.harsh.perturbation(seed: 8_000_001))
        #expect(PushTReality.harsh.perturbation(seed: 8_000_001) == a)
        #expect(PushTReality.harsh.perturbation(seed: 8_000_002) != a)
        var latencies = Set<Int>()
        for seed: UInt64 in 0..<200 {
            let p = try #require(PushTReality.harsh.perturbation(seed: seed))
            latencies.insert(p.latencySteps)
            #expect((0.5...2).contains(p.blockMassScale))
            #expect((0...0.08).contains(p.trackingLagSeconds))
            #expect(abs(p.camera.shiftX) <= 4 && abs(p.camera.rotationRadians) <= 0.015)
        }
        #expect(latencies == [0, 1, 2, 3])
        // Perturbed runs repeat exactly, and differ from clean.
        let once = try Self.trajectory(seed: 3, reality: .harsh)
        #expect(try Self.trajectory(seed: 3, reality: .harsh) == once)
        #expect(once != (try Self.trajectory(seed: 3, reality: nil)))
    }

    @Test func latencyDelaysTheCommandByWholeSteps() throws {
        var reality = PushTReality(name: "late")
        reality.latencySteps = .init(2, 2)
        let simulation = PushTSimulation()
        simulation.reality = reality
        simulation.reset(seed: 5)
        let start = simulation.state
        try simulation.step(action: (start.agentX + 50, start.agentY))
        try simulation.step(action: (start.agentX + 50, start.agentY))
        #expect(abs(simulation.state.agentX - start.agentX) < 1e-9, "two steps of latency: still at rest")
        try simulation.step(action: (start.agentX + 50, start.agentY))
        #expect(simulation.state.agentX > start.agentX + 10)
    }

    @Test func tableFrictionLetsTheBlockSlideAfterAPush() throws {
        func slide(_ reality: PushTReality?) throws -> Double {
            let simulation = PushTSimulation()
            // Pusher left of the bar's end, block at rest; push right fast, then pull back.
            simulation.perturbation = reality?.perturbation(seed: 0)
            try simulation.reset(toState: [150, 215, 256, 200, 0])
            for _ in 0..<4 { try simulation.step(action: (260, 215)) }
            let pushed = simulation.state.blockX
            for _ in 0..<5 { try simulation.step(action: (100, 215)) }
            return simulation.state.blockX - pushed
        }
        var slippery = PushTReality(name: "slippery")
        slippery.blockTableFriction = .init(0.05, 0.05)
        let stuck = try slide(nil), slid = try slide(slippery)
        #expect(slid > stuck + 2, "clean \(stuck) px, slippery \(slid) px")
    }

    @Test func cameraChangeMovesThePicture() throws {
        var renderer = try PushTRenderer(outputSize: .init(width: 96, height: 96))
        let state = PushTState(agentX: 100, agentY: 100, blockX: 300, blockY: 300, blockAngle: 0.3)
        let before = renderer.render(state)
        var change = PushTCameraChange()
        change.shiftX = 6
        renderer.cameraChange = change
        #expect(renderer.render(state) != before)
        renderer.cameraChange = PushTCameraChange()
        #expect(renderer.render(state) == before)
    }

    @Test func presetsAndFilesLoadAndBadFilesSayWhy() throws {
        #expect(try PushTReality.load(nameOrPath: "mild") == .mild)
        let good = Data(#"{"name": "lab", "latencySteps": [1, 2], "blockTableFriction": 0.4}"#.utf8)
        let lab = try PushTReality.decode(good)
        #expect(lab.latencySteps == .init(1, 2) && lab.blockTableFriction == .init(0.4, 0.4))
        // Round trip through the encoder.
        #expect(try PushTReality.decode(JSONEncoder().encode(lab)) == lab)
        func message(_ json: String) -> String {
            do { _ = try PushTReality.decode(Data(json.utf8)); return "" } catch { return error.description }
        }
        #expect(message(#"{"name": "lab", "latency": [0, 1]}"#).contains("unknown key 'latency'"))
        #expect(message(#"{"name": "lab", "latencySteps": [3, 1]}"#).contains("low <= high"))
        #expect(message(#"{"name": "lab", "latencySteps": [0, 40]}"#).contains("within [0.0, 10.0]"))
        #expect(message(#"{"name": "lab", "latencySteps": [0, 1, 2]}"#).contains("[low, high]"))
        #expect(message("[1, 2]").contains("JSON object"))
        #expect(message("{").contains("not valid JSON"))
        #expect(message(#"{"latencySteps": [0, 1]}"#).contains("name"))
        let huge = Data(repeating: 0x20, count: PushTReality.maximumFileBytes + 1)
        #expect(throws: PushTRealityError.self) { try PushTReality.decode(huge) }
        #expect(throws: PushTRealityError.self) { try PushTReality.load(nameOrPath: "/nonexistent/reality.json") }
    }

    /// The reality files the docs' measurements name (Docs/data) stay loadable; `moderate` is, range by range,
    /// halfway between `mild` and `harsh` (latency 0-2 steps), as Docs/SimToReal.md says.
    @Test func shippedRealityFilesLoad() throws {
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs/data")
        let unseen = try PushTReality.load(nameOrPath: data.appendingPathComponent("reality-shifted-unseen.json").path)
        #expect(unseen.name == "shifted-unseen" && !unseen.isClean)
        let moderate = try PushTReality.load(nameOrPath: data.appendingPathComponent("reality-pusht-moderate.json").path)
        #expect(moderate.name == "moderate")
        let keys: [KeyPath<PushTReality, PushTRealityRange?>] = [
            \.blockTableFriction, \.pusherBlockFriction, \.blockMassScale, \.blockInertiaScale, \.trackingLagSeconds,
            \.trackingGainScale, \.actionNoisePixels, \.cameraShiftPixels, \.cameraRotationRadians, \.focalLengthError,
            \.exposureGain, \.brightnessLevels,
        ]
        for key in keys {
            let m = try #require(moderate[keyPath: key])
            let a = try #require(PushTReality.mild[keyPath: key]), b = try #require(PushTReality.harsh[keyPath: key])
            #expect(abs(m.low - (a.low + b.low) / 2) < 1e-9 && abs(m.high - (a.high + b.high) / 2) < 1e-9, "\(key)")
        }
        #expect(moderate.latencySteps == .init(0, 2))
    }

    /// `ENPIRE_HEAVY=1`: control steps per second with perturbations off (nil), clean and harsh, printed.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"))
    func stepsPerSecond() throws {
        for (label, reality) in [("off", nil), ("clean", PushTReality.clean), ("harsh", PushTReality.harsh)] {
            let start = Date()
            var steps = 0
            for seed: UInt64 in 0..<1_000 {
                steps += try Self.trajectory(seed: seed, reality: reality).count
            }
            let seconds = Date().timeIntervalSince(start)
            print("reality \(label): \(steps) steps in \(String(format: "%.2f", seconds)) s = \(Int(Double(steps) / seconds)) steps/s")
        }
    }

    /// With `identifyPusher`, the expert fits its pusher's latency, lag and gain from its own commands and the
    /// observed track, and plans with them (commands in flight included); without it the model stays clean.
    @Test func expertIdentifiesItsPusherOnline() throws {
        var truth = PushTPerturbation()
        truth.latencySteps = 2
        truth.trackingLagSeconds = 0.04
        truth.trackingGainScale = 0.7
        var cheap = PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 2)
        let simulation = PushTSimulation()
        simulation.perturbation = truth
        let start = PushTSimulation.startState(seed: 5)
        simulation.place(PushTState(agentX: start[0], agentY: start[1], blockX: start[2], blockY: start[3],
                                    blockAngle: start[4]))
        cheap.identifyPusher = 1
        var expert = PushTHeuristicExpert(parameters: cheap)
        var plain = PushTHeuristicExpert(parameters: PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 2))
        for _ in 0..<20 {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            _ = plain.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try simulation.step(action: (target.x, target.y))
        }
        let model = try #require(expert.planner.model)
        #expect(model.latencySteps == 2)
        #expect(abs(model.trackingLagSeconds - 0.04) < 0.01 && abs(model.trackingGainScale - 0.7) < 0.1,
                "fitted lag \(model.trackingLagSeconds) gain \(model.trackingGainScale)")
        #expect(plain.planner.model == nil)
        #expect(try PushTPlannerParameters(recipe: ["identifyPusher": 1]).identifyPusher == 1)
        #expect(throws: PushTPlannerError.self) { try PushTPlannerParameters(recipe: ["identifyPusher": 2]) }
    }

    @Test("an oracle given the true departures plans with them: same episode under clean, another under harsh")
    func plannerKnowingTheRealityPlansWithIt() {
        let cheap = PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 2)
        func run(_ reality: PushTReality, knows: Bool) -> PushTExpertEvaluation.Episode {
            PushTExpertEvaluation.runEpisode(seed: 7_000_013, parameters: cheap, maxSteps: 80, reality: reality,
                                             plannerKnowsReality: knows)
        }
        let clean = run(.clean, knows: false), cleanKnown = run(.clean, knows: true)
        #expect(clean.steps == cleanKnown.steps && clean.finalCoverage == cleanKnown.finalCoverage)
        let harsh = run(.harsh, knows: false), harshKnown = run(.harsh, knows: true)
        #expect(harsh.finalCoverage != harshKnown.finalCoverage, "the true model should change the plans under harsh")
    }

    @Test("with arrivalTolerance the expert holds a used-up primitive's last target while its pusher lags")
    func expertWaitsForArrival() throws {
        /// Calls after the first primitive is used up until the expert plans again, its pusher reported 50 px
        /// behind every target (`lagging`) or on it.
        func holds(tolerance: Double, lagging: Bool) -> Int {
            var expert = PushTHeuristicExpert(parameters: PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 2,
                                                                                  arrivalTolerance: tolerance))
            let start = PushTSimulation.startState(seed: 5)
            var state = PushTState(agentX: start[0], agentY: start[1], blockX: start[2], blockY: start[3],
                                   blockAngle: start[4])
            var target = expert.nextTarget(state: state, agentVelocity: (0, 0))
            for _ in 0..<400 where !expert.primitiveExhausted {
                state.agentX = target.x + (lagging ? 50 : 0)
                state.agentY = target.y
                target = expert.nextTarget(state: state, agentVelocity: (0, 0))
            }
            var count = 0
            while expert.primitiveExhausted, count < 100 {
                state.agentX = target.x + (lagging ? 50 : 0)
                state.agentY = target.y
                target = expert.nextTarget(state: state, agentVelocity: (0, 0))
                count += 1
            }
            return count
        }
        #expect(holds(tolerance: 0, lagging: true) == 1)
        #expect(holds(tolerance: 3, lagging: true) == 1 + PushTArrivalWait.maximumSteps)
        #expect(holds(tolerance: 3, lagging: false) == 1)
        #expect(try PushTPlannerParameters(recipe: ["arrivalTolerance": 3]).arrivalTolerance == 3)
        #expect(throws: PushTPlannerError.self) { try PushTPlannerParameters(recipe: ["arrivalTolerance": -1]) }
    }

    @Test("planner settings written before identifyPusher and arrivalTolerance existed still decode, as off")
    func olderPlannerSettingsDecode() throws {
        var tuned = PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 6, angleWeight: 86)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(tuned)) as? [String: Any])
        object.removeValue(forKey: "identifyPusher")
        object.removeValue(forKey: "arrivalTolerance")
        let decoded = try JSONDecoder().decode(PushTPlannerParameters.self,
                                               from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded == tuned)
        tuned.identifyPusher = 1
        tuned.arrivalTolerance = 3
        #expect(try JSONDecoder().decode(PushTPlannerParameters.self, from: JSONEncoder().encode(tuned)) == tuned)
    }
}
