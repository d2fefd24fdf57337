import Enpire
@testable import EnpireHardware
import Foundation
import Testing

/// A fake SO-101 bus (six STS3215 servos) and a driver on it.
func feetechRig(baud: Int? = nil, timeout: Double = 0.05,
                wire: FakeServoBus.Wire = .pseudoTerminal) async throws -> (FakeServoBus, ServoBus) {
    let fake = try FakeServoBus(dialect: .feetech,
                                servos: Dictionary(uniqueKeysWithValues: (1...6).map { (UInt8($0), ServoModel.sts3215) }),
                                emulatedBaudRate: baud, wire: wire)
    if let port = fake.takePort() {
        return (fake, ServoBus(port: port, dialect: .feetech, replyTimeoutSeconds: timeout))
    }
    let bus = try ServoBus(path: fake.path, dialect: .feetech, replyTimeoutSeconds: timeout)
    return (fake, bus)
}

/// A fake Koch bus (two XL430, four XL330) and a driver on it.
func dynamixelRig() async throws -> (FakeServoBus, ServoBus) {
    var servos: [UInt8: ServoModel] = [1: .xl430, 2: .xl430]
    for id in 3...6 { servos[UInt8(id)] = .xl330 }
    let fake = try FakeServoBus(dialect: .dynamixel2, servos: servos)
    let bus = try ServoBus(path: fake.path, dialect: .dynamixel2, replyTimeoutSeconds: 0.05)
    return (fake, bus)
}

/// A calibration with every joint's range 1024…3072 ticks (±π/2 rad).
func wideCalibration(names: [String]) -> ServoCalibration {
    ServoCalibration(joints: Dictionary(uniqueKeysWithValues: names.enumerated().map {
        ($1, JointCalibration(id: $0 + 1, rangeMin: 1024, rangeMax: 3072))
    }))
}

let armJointNames = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]

@Suite("Servo packets")
struct ServoPacketTests {
    @Test("Feetech and Dynamixel 2.0 ping packets match the vendors' documented bytes")
    func documentedPackets() {
        #expect(ServoDialect.feetech.encode(id: 1, instruction: 0x01, parameters: []) == [0xFF, 0xFF, 0x01, 0x02, 0x01, 0xFB])
        // Robotis e-Manual, Protocol 2.0 ping example for id 1.
        #expect(ServoDialect.dynamixel2.encode(id: 1, instruction: 0x01, parameters: [])
            == [0xFF, 0xFF, 0xFD, 0x00, 0x01, 0x03, 0x00, 0x01, 0x19, 0x4E])
    }

    @Test("Dynamixel byte stuffing round-trips through the parser")
    func stuffing() {
        let parameters: [UInt8] = [0x74, 0x00, 0xFF, 0xFF, 0xFD, 0x01, 0xFF, 0xFF, 0xFD]
        let packet = ServoDialect.dynamixel2.encode(id: 3, instruction: 0x03, parameters: parameters)
        #expect(packet.count == 10 + parameters.count + 2)  // two stuffed FD bytes
        var parser = ServoPacketParser(dialect: .dynamixel2, statusPackets: false)
        parser.push([0x00, 0x13] + packet)
        #expect(parser.next() == .packet(ServoPacket(id: 3, instruction: 0x03, error: 0, parameters: parameters)))
    }

    @Test("Sign-magnitude and two's-complement registers")
    func registers() {
        let offset = ServoModel.sts3215.homingOffset
        #expect(offset.encode(-100) == [100, 0x08])
        #expect(offset.decode(offset.encode(-100)) == -100)
        let goal = ServoModel.xl330.goalPosition
        #expect(goal.decode(goal.encode(-5)) == -5)
    }
}

@Suite("Servo bus against the fakes", .serialized)
struct ServoBusFakeTests {
    @Test("Feetech: ping, read, write, sync read and sync write")
    func feetechRoundTrip() async throws {
        let (fake, bus) = try await feetechRig()
        defer { fake.close() }
        #expect(try await bus.ping(id: 3) == 777)
        try await bus.write(id: 2, ServoModel.sts3215.homingOffset, value: -321)
        #expect(fake.register(ServoModel.sts3215.homingOffset, of: 2) == -321)
        #expect(try await bus.read(id: 2, ServoModel.sts3215.homingOffset) == -321)
        try await bus.syncWrite(ids: [1, 2, 3], address: 42, data: [[0x00, 0x04], [0x00, 0x05], [0x00, 0x06]])
        _ = try await bus.ping(id: 1)  // sync writes have no reply: a later answer proves the fake has handled it
        #expect(fake.register(ServoModel.sts3215.goalPosition, of: 3) == 0x600)
        let blocks = try await bus.syncRead(ids: [1, 2, 3, 4, 5, 6], address: 56, length: 4)
        #expect(blocks.count == 6)
        #expect(ServoModel.sts3215.presentPosition.decode(blocks[3]) == 2048)
        await bus.close()
    }

    @Test("Dynamixel 2.0: ping, read, write, sync read and sync write")
    func dynamixelRoundTrip() async throws {
        let (fake, bus) = try await dynamixelRig()
        defer { fake.close() }
        #expect(try await bus.ping(id: 1) == 1060)
        #expect(try await bus.ping(id: 4) == 1200)
        try await bus.write(id: 4, ServoModel.xl330.homingOffset, value: -1000)
        #expect(try await bus.read(id: 4, ServoModel.xl330.homingOffset) == -1000)
        #expect(try await bus.read(id: 4, ServoModel.xl330.presentPosition) == 1048)
        try await bus.syncWrite(ids: [5, 6], address: 116, data: [ServoModel.xl330.goalPosition.encode(0xFFFD),
                                                                  ServoModel.xl330.goalPosition.encode(100)])
        _ = try await bus.ping(id: 1)
        #expect(fake.register(ServoModel.xl330.goalPosition, of: 5) == 0xFFFD)
        let blocks = try await bus.syncRead(ids: [1, 2, 3, 4, 5, 6], address: 128, length: 8)
        #expect(blocks.map { ServoModel.xl330.presentPosition.decode($0[4...]) } == [2048, 2048, 2048, 1048, 2048, 2048])
        await bus.close()
    }

    @Test("Every injected fault gives its own error, and the bus recovers afterwards",
          arguments: [ServoDialect.feetech, .dynamixel2])
    func faults(dialect: ServoDialect) async throws {
        let (fake, bus) = dialect == .feetech ? try await feetechRig() : try await dynamixelRig()
        defer { fake.close() }
        let model: ServoModel = dialect == .feetech ? .sts3215 : .xl330
        let cases: [(FakeServoFault, ServoBusError)] = [
            (.noReply, .noReply(id: 3)),
            (.badChecksum, .corruptReply(id: 3)),
            (.wrongID(9), .wrongID(expected: 3, got: 9)),
            (.status(0x20), .servoFault(id: 3, flags: 0x20, meaning: "overload")),
            (.status(0x04), .servoFault(id: 3, flags: 0x04, meaning: "overheating")),
        ]
        for (fault, expected) in cases {
            fake.inject(fault, id: 3, count: 1)
            await #expect(throws: expected) { _ = try await bus.read(id: 3, model.presentPosition) }
            fake.clearFaults()
            #expect(try await bus.read(id: 3, model.presentPosition) == 2048)
        }
        // A torn reply on its own runs into the deadline.
        fake.inject(.tornPacket, id: 3, count: 1)
        await #expect(throws: ServoBusError.tornReply(id: 3, received: dialect == .feetech ? 4 : 7)) {
            _ = try await bus.read(id: 3, model.presentPosition)
        }
        // Inside a sync read the next servo's reply runs into the torn one: a torn or corrupt reply from servo 3.
        fake.inject(.tornPacket, id: 3, count: 1)
        do {
            _ = try await bus.syncRead(ids: [1, 2, 3, 4], address: model.presentPosition.address, length: 2)
            Issue.record("a torn reply was accepted")
        } catch let error as ServoBusError {
            switch error {
            case .tornReply(id: 3, _), .corruptReply(id: 3): break
            default:
                Issue.record("expected a torn or corrupt reply from servo 3, got \(error)")
            }
        }
        #expect(try await bus.read(id: 3, model.presentPosition) == 2048)
        await bus.close()
    }

    @Test("Opening a missing device names the path and what to check")
    func missingDevice() {
        #expect(throws: SerialPortError.self) { try TermiosSerialPort(path: "/dev/does-not-exist", baudRate: 1_000_000) }
        #expect(throws: SerialPortError.unsupportedBaudRate(12345)) { try TermiosSerialPort(path: "/dev/null", baudRate: 12345) }
    }
}
