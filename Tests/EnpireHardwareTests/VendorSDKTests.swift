import Enpire
@testable import EnpireHardware
import EnpireTesting
import Foundation
import Testing

/// Runs the vendors' own Python SDKs (`feetech-servo-sdk`, `dynamixel-sdk` from PyPI) against the fake buses over
/// the same pseudo-terminal, to check that the fakes answer exactly as real servos do for those SDKs.
@Suite("Vendor SDKs against the fake buses", .serialized)
struct VendorSDKTests {
    static func json(_ text: String) throws -> [String: Any] {
        let line = text.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("feetech-servo-sdk (scservo_sdk) pings, reads, writes, sync reads and sync writes the fake STS3215 bus")
    func feetechSDK() async throws {
        guard let python = PythonProbe.interpreter(requiring: ["scservo_sdk"]) else {
            print("skipping Feetech SDK check: no Python with scservo_sdk (source scripts/python-env.sh)")
            return
        }
        let fake = try FakeServoBus(dialect: .feetech,
                                    servos: Dictionary(uniqueKeysWithValues: (1...6).map { (UInt8($0), .sts3215) }))
        defer { fake.close() }
        fake.moveShaft(of: 2, toEncoder: 2500)
        fake.inject(.status(0x20), id: 6, count: nil)
        fake.inject(.badChecksum, id: 5, count: 1)
        let script = """
        import sys, json
        from scservo_sdk import PortHandler, PacketHandler, GroupSyncRead, GroupSyncWrite, COMM_SUCCESS
        import scservo_sdk.port_handler
        scservo_sdk.port_handler.LATENCY_TIMER = 200  # the fake shares a loaded machine: allow late replies
        port = PortHandler(sys.argv[1]); assert port.openPort() and port.setBaudRate(1000000)
        ph = PacketHandler(0)
        out = {}
        out["ping1"] = list(ph.ping(port, 1))
        out["present2"] = list(ph.read2ByteTxRx(port, 2, 56))
        out["write_goal3"] = list(ph.write2ByteTxRx(port, 3, 42, 1234))
        out["torque3"] = list(ph.write1ByteTxRx(port, 3, 40, 1))
        out["offset4"] = list(ph.write2ByteTxRx(port, 4, 31, 100 | (1 << 11)))
        sr = GroupSyncRead(port, ph, 56, 4)
        for i in (1, 2, 3, 4): sr.addParam(i)
        out["syncread_result"] = sr.txRxPacket()
        out["syncread"] = [sr.getData(i, 56, 2) for i in (1, 2, 3, 4)]
        sw = GroupSyncWrite(port, ph, 42, 2)
        sw.addParam(1, [0x00, 0x04]); sw.addParam(2, [0x00, 0x0C])
        out["syncwrite_result"] = sw.txPacket()
        out["ping5_corrupt"] = list(ph.ping(port, 5))
        out["ping6_overload"] = list(ph.ping(port, 6))
        out["ping7_absent"] = list(ph.ping(port, 7))
        print(json.dumps(out))
        """
        let result = try Self.json(try PythonProbe.run(python, script: script, arguments: [fake.path]))
        print("Feetech SDK on the fake: \(result)")
        #expect(result["ping1"] as? [Int] == [777, 0, 0])
        #expect(result["present2"] as? [Int] == [2500, 0, 0])
        #expect(result["write_goal3"] as? [Int] == [0, 0])
        #expect(fake.register(ServoModel.sts3215.goalPosition, of: 3) == 1234)
        #expect(fake.register(ServoModel.sts3215.torqueEnable, of: 3) == 1)
        #expect(fake.register(ServoModel.sts3215.homingOffset, of: 4) == -100)
        #expect(result["syncread_result"] as? Int == 0)
        // Servo 4's homing offset −100 reads encoder 2048 as 2148; servo 3 moves toward its goal 1234 with torque on.
        let synced = try #require(result["syncread"] as? [Int])
        #expect(synced[0] == 2048 && synced[1] == 2500 && synced[3] == 2148)
        #expect(synced[2] <= 2048 && synced[2] >= 1234)
        #expect(result["syncwrite_result"] as? Int == 0)
        #expect(fake.register(ServoModel.sts3215.goalPosition, of: 2) == 0x0C00)
        #expect((result["ping5_corrupt"] as? [Int])?[1] == -7)  // COMM_RX_CORRUPT
        #expect(result["ping6_overload"] as? [Int] == [777, 0, 0x20])  // status error byte: overload
        #expect((result["ping7_absent"] as? [Int])?[1] == -6)  // COMM_RX_TIMEOUT
    }

    @Test("dynamixel-sdk (Protocol 2.0) pings, reads, writes, sync reads and sync writes the fake Koch bus")
    func dynamixelSDK() async throws {
        guard let python = PythonProbe.interpreter(requiring: ["dynamixel_sdk"]) else {
            print("skipping Dynamixel SDK check: no Python with dynamixel_sdk (source scripts/python-env.sh)")
            return
        }
        var servos: [UInt8: ServoModel] = [1: .xl430, 2: .xl430]
        for id in 3...6 { servos[UInt8(id)] = .xl330 }
        let fake = try FakeServoBus(dialect: .dynamixel2, servos: servos)
        defer { fake.close() }
        fake.moveShaft(of: 2, toEncoder: 3000)
        fake.inject(.status(0x20), id: 6, count: nil)
        fake.inject(.badChecksum, id: 5, count: 1)
        let script = """
        import sys, json
        from dynamixel_sdk import PortHandler, PacketHandler, GroupSyncRead, GroupSyncWrite
        import dynamixel_sdk.port_handler
        dynamixel_sdk.port_handler.LATENCY_TIMER = 200  # the fake shares a loaded machine: allow late replies
        port = PortHandler(sys.argv[1]); assert port.openPort() and port.setBaudRate(1000000)
        ph = PacketHandler(2.0)
        out = {}
        out["ping1"] = list(ph.ping(port, 1))
        out["ping3"] = list(ph.ping(port, 3))
        out["present2"] = list(ph.read4ByteTxRx(port, 2, 132))
        out["write_offset4"] = list(ph.write4ByteTxRx(port, 4, 20, (-1000) & 0xFFFFFFFF))
        out["write_goal3"] = list(ph.write4ByteTxRx(port, 3, 116, 2100))
        out["torque3"] = list(ph.write1ByteTxRx(port, 3, 64, 1))
        out["velocity_limit1"] = list(ph.read4ByteTxRx(port, 1, 44))
        sr = GroupSyncRead(port, ph, 132, 4)
        for i in (1, 2, 3, 4): sr.addParam(i)
        out["syncread_result"] = sr.txRxPacket()
        out["syncread"] = [sr.getData(i, 132, 4) for i in (1, 2, 3, 4)]
        sw = GroupSyncWrite(port, ph, 116, 4)
        sw.addParam(1, [0xFD, 0x07, 0, 0]); sw.addParam(2, [0xFF, 0xFF, 0xFD, 0x00])
        out["syncwrite_result"] = sw.txPacket()
        out["ping5_corrupt"] = list(ph.ping(port, 5))
        out["ping6_alert"] = list(ph.ping(port, 6))
        out["hw_error6"] = list(ph.read1ByteTxRx(port, 6, 70))
        print(json.dumps(out))
        """
        let result = try Self.json(try PythonProbe.run(python, script: script, arguments: [fake.path]))
        print("Dynamixel SDK on the fake: \(result)")
        #expect(result["ping1"] as? [Int] == [1060, 0, 0])
        #expect(result["ping3"] as? [Int] == [1200, 0, 0])
        #expect(result["present2"] as? [Int] == [3000, 0, 0])
        #expect(fake.register(ServoModel.xl330.homingOffset, of: 4) == -1000)
        #expect(fake.register(ServoModel.xl330.goalPosition, of: 3) == 2100)
        #expect(fake.register(ServoModel.xl330.torqueEnable, of: 3) == 1)
        #expect(result["velocity_limit1"] as? [Int] == [Int(6.1 / ServoModel.xl430.velocityUnitRadPerSecond), 0, 0])
        #expect(result["syncread_result"] as? Int == 0)
        let synced = try #require(result["syncread"] as? [Int])
        #expect(synced[0] == 2048 && synced[1] == 3000 && synced[3] == 1048)
        #expect(result["syncwrite_result"] as? Int == 0)
        _ = try await Task.sleep(nanoseconds: 20_000_000)
        #expect(fake.register(ServoModel.xl330.goalPosition, of: 1) == 0x07FD)
        // The byte-stuffed value FF FF FD 00 arrives intact.
        #expect(fake.register(ServoModel.xl330.goalPosition, of: 2) == 0x00FD_FFFF)
        #expect((result["ping5_corrupt"] as? [Int])?[1] == -3002)  // COMM_RX_CORRUPT
        #expect((result["ping6_alert"] as? [Int])?[2] == 0x80)  // hardware alert bit
        #expect((result["hw_error6"] as? [Int])?[0] == 0x20)  // overload in Hardware Error Status
    }
}
