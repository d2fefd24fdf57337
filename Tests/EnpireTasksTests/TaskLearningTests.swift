import Enpire
import EnpireReward
import EnpireSim
import EnpireTasks
import Foundation
import Testing

/// Observation sources and the learn → save → load → evaluate round trip of the learnable simulated tasks.
@Suite("Task learning")
struct TaskLearningTests {
    private func pinObservation(_ simulation: PinInsertionSimulation, renderer: inout PinInsertionRenderer,
                                features: [String: [Double]] = [:]) -> Observation {
        let state = simulation.state
        let frame = Frame(cameraName: "side", timestampSeconds: 0, image: renderer.render(state))
        let arm = RobotState(position: state.hand, velocity: state.handVelocity, gripper: 0, force: state.force,
                             timestampSeconds: 0)
        return Observation(stepIndex: 0, elapsedSeconds: 0, arms: [arm], frames: ["side": frame], features: features)
    }

    private func truePinFeatures(_ state: PinInsertionState) -> [String: [Double]] {
        [PinInsertionFeatures.pinPose: state.pin,
         PinInsertionFeatures.insertion: [state.depth, state.lateralOffset, state.angleError]]
    }

    @Test("pin: the hole estimated from noisy side-camera frames agrees with the true hole pose")
    func pinCameraEstimate() throws {
        for seed in UInt64(0)..<6 {
            let simulation = PinInsertionSimulation()
            let pose = PinInsertionSimulation.holePose(seed: seed)
            simulation.setHole(x: pose.x, angle: pose.angle)
            var renderer = try PinInsertionRenderer(noise: PinInsertionRenderer.realisticNoise(seed: seed + 40))
            let source = PinInsertionPolicyInput(mode: .camera)
            _ = try source.vector(from: pinObservation(simulation, renderer: &renderer))
            let hole = try #require(source.hole)
            #expect(abs(hole[0] - pose.x) < 0.1, "seed \(seed): x \(hole[0]) vs \(pose.x)")
            #expect(abs(hole[1]) < 0.1, "seed \(seed): y \(hole[1])")
            #expect(abs(hole[2] - pose.angle) < 0.01, "seed \(seed): angle \(hole[2]) vs \(pose.angle)")
            // The state source derives the exact hole from the ground-truth features.
            let exact = PinInsertionPolicyInput(mode: .state)
            _ = try exact.vector(from: pinObservation(simulation, renderer: &renderer,
                                                      features: truePinFeatures(simulation.state)))
            let truth = try #require(exact.hole)
            #expect(abs(truth[0] - pose.x) < 1e-6 && abs(truth[1]) < 1e-6 && abs(truth[2] - pose.angle) < 1e-9)
        }
    }

    @Test("pin: the camera input ignores the simulator's state features; the state input reads them")
    func pinCameraInputHasNoPrivilegedFields() throws {
        let simulation = PinInsertionSimulation()
        simulation.setHole(x: 7, angle: 0.03)
        var renderer = try PinInsertionRenderer(noise: PinInsertionRenderer.realisticNoise(seed: 3))
        let truth = truePinFeatures(simulation.state)
        var perturbed = truth
        perturbed[PinInsertionFeatures.pinPose]?[0] += 5
        perturbed[PinInsertionFeatures.insertion]?[1] += 2
        let a = try PinInsertionPolicyInput(mode: .camera)
            .vector(from: pinObservation(simulation, renderer: &renderer, features: truth))
        var same = try PinInsertionRenderer(noise: PinInsertionRenderer.realisticNoise(seed: 3))
        let b = try PinInsertionPolicyInput(mode: .camera)
            .vector(from: pinObservation(simulation, renderer: &same, features: perturbed))
        #expect(a == b)
        var again = try PinInsertionRenderer(noise: PinInsertionRenderer.realisticNoise(seed: 3))
        let c = try PinInsertionPolicyInput(mode: .state)
            .vector(from: pinObservation(simulation, renderer: &again, features: truth))
        let d = try PinInsertionPolicyInput(mode: .state)
            .vector(from: pinObservation(simulation, renderer: &again, features: perturbed))
        #expect(c != d)
    }

    private func zipObservation(_ simulation: ZipTieSimulation, renderer: inout ZipTieRenderer,
                                features: [String: [Double]]) -> Observation {
        let s = simulation.state
        let frame = Frame(cameraName: "top", timestampSeconds: 0, image: renderer.render(simulation.scene))
        let left = RobotState(position: s.leftHand, velocity: [0, 0], gripper: s.leftGripper, force: [s.tension],
                              timestampSeconds: 0)
        let cutter = RobotState(position: s.cutter, velocity: [0, 0, 0], gripper: s.jawOpening, timestampSeconds: 0)
        return Observation(stepIndex: 0, elapsedSeconds: 0, arms: [left, cutter], frames: ["top": frame],
                           features: features)
    }

    private func trueZipFeatures(_ s: ZipTieState) -> [String: [Double]] {
        [ZipTieFeatures.anchor: s.anchor, ZipTieFeatures.freeEnd: s.freeEnd,
         ZipTieFeatures.mark: s.mark + [s.markDirection], ZipTieFeatures.grasped: [s.grasped ? 1 : 0]]
    }

    @Test("zip-tie: anchor, free end and mark estimated from noisy top-camera frames agree with the truth")
    func zipTieCameraEstimate() throws {
        for seed in UInt64(0)..<6 {
            let simulation = ZipTieSimulation()
            simulation.reset(seed: seed)
            let s = simulation.state
            var renderer = try ZipTieRenderer(view: .top, noise: ZipTieRenderer.realisticNoise(seed: seed + 40))
            let source = ZipTiePolicyInput(mode: .camera)
            _ = try source.vector(from: zipObservation(simulation, renderer: &renderer, features: [:]))
            let anchor = try #require(source.anchor), end = try #require(source.freeEnd)
            let mark = try #require(source.mark)
            #expect(hypot(anchor[0] - s.anchor[0], anchor[1] - s.anchor[1]) < 1, "seed \(seed) anchor \(anchor)")
            #expect(abs(remainder(anchor[2] - s.anchor[2], 2 * Double.pi)) < 0.08, "seed \(seed) anchor \(anchor)")
            #expect(hypot(end[0] - s.freeEnd[0], end[1] - s.freeEnd[1]) < 1.5, "seed \(seed) end \(end) vs \(s.freeEnd)")
            #expect(hypot(mark[0] - s.mark[0], mark[1] - s.mark[1]) < 0.5, "seed \(seed) mark \(mark) vs \(s.mark)")
            #expect(abs(remainder(mark[2] - s.markDirection, 2 * Double.pi)) < 0.2,
                    "seed \(seed) mark direction \(mark[2]) vs \(s.markDirection)")
        }
    }

    @Test("zip-tie: the camera input ignores the simulator's anchor, free end and mark; the state input reads them")
    func zipTieCameraInputHasNoPrivilegedFields() throws {
        let simulation = ZipTieSimulation()
        simulation.reset(seed: 9)
        let truth = trueZipFeatures(simulation.state)
        var perturbed = truth
        perturbed[ZipTieFeatures.anchor]?[0] += 10
        perturbed[ZipTieFeatures.freeEnd]?[1] -= 10
        perturbed[ZipTieFeatures.mark]?[2] += 0.5
        func input(_ mode: ObservationMode, _ features: [String: [Double]]) throws -> [Float] {
            var renderer = try ZipTieRenderer(view: .top, noise: ZipTieRenderer.realisticNoise(seed: 5))
            return try ZipTiePolicyInput(mode: mode)
                .vector(from: zipObservation(simulation, renderer: &renderer, features: features))
        }
        #expect(try input(.camera, truth) == input(.camera, perturbed))
        #expect(try input(.state, truth) != input(.state, perturbed))
    }

    @Test("learn (tiny BC budget) → checkpoint files → evaluate on explicit seeds", arguments: ["pin-insertion", "ziptie"])
    func learnSaveLoadEvaluate(task name: String) async throws {
        let task = try LearnableTasks.named(name)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("enpire-learn-\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = LearnOptions(paradigm: "dagger", observe: .state, output: directory, demonstrations: 4,
                                   epochs: 2, seed: 3, daggerRounds: 1, episodesPerRound: 1, devSeeds: 1,
                                   hiddenWidths: [16], workers: 2)
        let summary = try await task.learn(options) { _ in }
        #expect(summary.curve.count == 2)
        #expect(summary.teacherSuccesses >= 3, "the teacher itself should succeed on its demonstrations")
        #expect(summary.privileged)
        for file in ["policy.safetensors", "policy.json", "learning-curve.json", "learning-curve.csv"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
        let evaluation = try await task.evaluate(policyDirectory: directory, firstSeed: 5_000_000, episodes: 2,
                                                 observe: .state, workers: 1) { _ in }
        #expect(evaluation.episodes == 2 && evaluation.privileged)
        #expect(evaluation.wilsonLow <= evaluation.wilsonHigh)
        #expect((0...1).contains(evaluation.meanTaskScore))
        // A checkpoint is refused by the other task, with a message naming the task it holds.
        let other = try LearnableTasks.named(name == "ziptie" ? "pin-insertion" : "ziptie")
        await #expect(throws: LearningError.self) {
            _ = try await other.evaluate(policyDirectory: directory, firstSeed: 0, episodes: 1, observe: .state,
                                         workers: 1) { _ in }
        }
    }

    @Test("unknown task and bad options are refused with actionable messages")
    func refusals() throws {
        #expect(throws: LearningError.self) { _ = try LearnableTasks.named("push-x") }
        let options = LearnOptions(paradigm: "residual", output: URL(fileURLWithPath: "/tmp/x"))
        #expect(throws: LearningError.self) { try options.validate(paradigms: ["bc", "dagger"]) }
    }
}
