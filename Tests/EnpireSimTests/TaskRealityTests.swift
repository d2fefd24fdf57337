import Enpire
@testable import EnpireSim
import Foundation
import Testing

/// Pin insertion's and zip-tie's perturbation models: clean stays the unperturbed code path, draws repeat per seed
/// and stay in range, and reality files are checked.
@Suite("Pin and zip-tie realities")
struct TaskRealityTests {
    /// Hand, pin and force after every step of the expert's first 120 steps on `seed`.
    static func pinTrajectory(seed: UInt64, perturbation: PinInsertionPerturbation?) -> [[Double]] {
        let simulation = PinInsertionSimulation()
        let pose = PinInsertionSimulation.holePose(seed: seed)
        simulation.perturbation = perturbation
        simulation.setHole(x: pose.x, angle: pose.angle)
        var expert = PinInsertionExpert()
        var rows: [[Double]] = []
        for _ in 0..<120 {
            let state = simulation.state
            let target = expert.nextTarget(hand: state.hand, force: state.force, holePose: [pose.x, 0, pose.angle])
            try? simulation.step(target: target)
            let s = simulation.state
            rows.append(s.hand + s.pin + s.force + [s.depth, Double(simulation.lowForceStreak)])
        }
        return rows
    }

    /// Segment poses, tools and observation after every step of the expert's first 200 steps on `seed`.
    static func zipTieTrajectory(seed: UInt64, perturbation: ZipTiePerturbation?) -> [[Double]] {
        let simulation = ZipTieSimulation()
        simulation.perturbation = perturbation
        simulation.reset(seed: seed)
        var expert = ZipTieExpert()
        var rows: [[Double]] = []
        for _ in 0..<200 {
            ZipTieEvaluation.expertStep(simulation, expert: &expert)
            let scene = simulation.scene, s = simulation.state
            rows.append(scene.segments + scene.cutter + [scene.jawOpening, s.tension, s.cut ? 1 : 0])
        }
        return rows
    }

    @Test func cleanIsTheUnperturbedPath() {
        for seed: UInt64 in [0, 7, 200_001] {
            #expect(PinInsertionReality.perturbation(PinInsertionReality.clean, seed: seed) == nil)
            #expect(ZipTieReality.perturbation(ZipTieReality.clean, seed: seed) == nil)
            // A perturbation at the clean values reproduces the unperturbed run bit for bit, so every departure in
            // the perturbed path comes from a drawn value.
            let pin = Self.pinTrajectory(seed: seed, perturbation: nil)
            #expect(Self.pinTrajectory(seed: seed, perturbation: PinInsertionPerturbation()) == pin)
            let tie = Self.zipTieTrajectory(seed: seed, perturbation: nil)
            #expect(Self.zipTieTrajectory(seed: seed, perturbation: ZipTiePerturbation()) == tie)
        }
        // The pin run enters the hole and the tie run cuts, so the comparison covers insertion and the cut.
        #expect(Self.pinTrajectory(seed: 7, perturbation: nil).contains { $0[8] > 10 })
        #expect(Self.zipTieTrajectory(seed: 7, perturbation: nil).last?.last == 1)
    }

    @Test func drawsRepeatPerSeedStayInRangeAndChangeTheRun() throws {
        let a = try #require(PinInsertionReality.perturbation(PinInsertionReality.harsh, seed: 11))
        #expect(PinInsertionReality.perturbation(PinInsertionReality.harsh, seed: 11) == a)
        #expect(PinInsertionReality.perturbation(PinInsertionReality.harsh, seed: 12) != a)
        var delays = Set<Int>()
        for seed: UInt64 in 0..<200 {
            let p = try #require(PinInsertionReality.perturbation(PinInsertionReality.harsh, seed: seed))
            #expect((0.25...0.75).contains(p.clearance) && abs(p.holePositionError) <= 1)
            #expect(abs(p.forceBias[0]) <= 0.8 && p.forceBias[0] != p.forceBias[1])
            let z = try #require(ZipTieReality.perturbation(ZipTieReality.harsh, seed: seed))
            #expect((0.5...2).contains(z.tieStiffnessScale) && abs(z.tiePositionError[1]) <= 1.5)
            delays.insert(z.jawDelaySteps)
        }
        #expect(delays == [0, 1, 2, 3])
        #expect(Self.pinTrajectory(seed: 11, perturbation: a) != Self.pinTrajectory(seed: 11, perturbation: nil))
        let z = try #require(ZipTieReality.perturbation(ZipTieReality.harsh, seed: 11))
        #expect(Self.zipTieTrajectory(seed: 11, perturbation: z) != Self.zipTieTrajectory(seed: 11, perturbation: nil))
        // The force sensor's bias shows in the reading at rest, not in the success check's force.
        var biased = PinInsertionPerturbation()
        biased.forceBias = [0.5, -0.25]
        let simulation = PinInsertionSimulation()
        simulation.perturbation = biased
        simulation.setHole(x: 0, angle: 0)
        try simulation.step(target: PinInsertionGeometry.startPose)
        #expect(simulation.state.force == [0.5, -0.25])
        #expect(simulation.lowForceStreak == 1)
    }

    @Test func realityFilesAreChecked() throws {
        let good = Data(#"{"name": "cell-2", "clearanceMM": [0.3, 0.45], "forceNoiseNewtons": 0.05}"#.utf8)
        let reality = try TaskReality.decode(good, task: "pin", keys: PinInsertionReality.keys)
        #expect(reality.name == "cell-2" && reality.ranges["forceNoiseNewtons"] == .init(0.05, 0.05))
        #expect(PinInsertionReality.perturbation(reality, seed: 1)?.clearance ?? 0 >= 0.3)
        #expect(throws: PushTRealityError.self) {
            try TaskReality.decode(Data(#"{"name": "x", "latencySteps": 1}"#.utf8), task: "pin", keys: PinInsertionReality.keys)
        }
        do {
            _ = try TaskReality.decode(Data(#"{"name": "x", "jawSpeedScale": [0, 2]}"#.utf8), task: "ziptie",
                                       keys: ZipTieReality.keys)
            Issue.record("an out-of-bounds range loaded")
        } catch {
            #expect("\(error)".contains("jawSpeedScale") && "\(error)".contains("[0.1, 5.0]"))
        }
        #expect(throws: PushTRealityError.self) { try ZipTieReality.load(nameOrPath: "no-such-preset") }
        #expect(try ZipTieReality.load(nameOrPath: "mild") == ZipTieReality.mild)
    }

    /// `ENPIRE_HEAVY=1`: control steps per second of the pin and zip-tie simulators (expert-driven, reset
    /// included) with perturbations off and drawn from `harsh`, printed with the load average before each run.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"))
    func stepsPerSecond() throws {
        func load() -> String {
            (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        }
        for round in 1...3 {
            for harsh in [false, true] {
                let before = load()
                var start = Date()
                var steps = 0
                for seed: UInt64 in 0..<40 {
                    let p = harsh ? PinInsertionReality.perturbation(PinInsertionReality.harsh, seed: seed) : nil
                    steps += Self.pinTrajectory(seed: seed, perturbation: p).count
                }
                let pin = Double(steps) / Date().timeIntervalSince(start)
                start = Date()
                steps = 0
                for seed: UInt64 in 0..<20 {
                    let p = harsh ? ZipTieReality.perturbation(ZipTieReality.harsh, seed: seed) : nil
                    steps += Self.zipTieTrajectory(seed: seed, perturbation: p).count
                }
                let tie = Double(steps) / Date().timeIntervalSince(start)
                print("round \(round) reality \(harsh ? "harsh" : "off") load \(before): pin \(Int(pin)) steps/s, "
                      + "zip-tie \(Int(tie)) steps/s")
            }
        }
    }
}
