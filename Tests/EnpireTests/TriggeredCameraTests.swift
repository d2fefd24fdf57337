import Enpire
import EnpireTesting
import Synchronization
import Testing

@Suite("Triggered camera")
struct TriggeredCameraTests {
    @Test("frames only while the trigger holds; a burst limits frames per rising edge")
    func triggerAndBurst() async throws {
        let line = Mutex(false)
        let camera = TriggeredCamera(MockCamera.testPattern(name: "top"), burst: 2) { line.withLock { $0 } }
        #expect(camera.name == "top")
        await #expect(throws: CameraTriggerError.notTriggered("top")) { try await camera.latestFrame() }
        line.withLock { $0 = true }
        #expect(try await camera.latestFrame().cameraName == "top")
        _ = try await camera.latestFrame()
        // Third request on the same edge: the burst is spent.
        await #expect(throws: CameraTriggerError.self) { try await camera.latestFrame() }
        line.withLock { $0 = false }
        await #expect(throws: CameraTriggerError.self) { try await camera.latestFrame() }
        line.withLock { $0 = true }
        _ = try await camera.latestFrame()
        #expect(await camera.framesDelivered == 3)
        #expect(await camera.framesSkipped == 3)
    }

    @Test("a station leaves an untriggered camera out of the observation and records no frames for it")
    func stationSkipsUntriggeredFrames() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let mock = MockCamera.testPattern(name: "top", clock: clock)
        // Triggered once the arm is past x = 0.7 (on its way from 0.5 to 0.9 at 0.1 per step).
        let camera = TriggeredCamera(mock) { ((try? await arm.observe())?.position.first ?? 0) > 0.7 }
        let station = try Station(configuration: .init(name: "s1", task: "reach"), arms: [arm], cameras: [camera],
                                  safety: [try SafetyEnvelope(specification: arm.specification, maxStep: 0.1)],
                                  clock: clock)
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.9, 0.9]]), seed: 1, maxSteps: 6)
        #expect(episode.steps.count == 6)
        let delivered = await camera.framesDelivered
        #expect(delivered > 0 && delivered < 7, "delivered \(delivered)")
        #expect(await mock.framesDelivered == delivered)
    }
}
