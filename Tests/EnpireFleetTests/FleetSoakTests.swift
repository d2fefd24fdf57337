import Enpire
import EnpireFleet
import EnpireTesting
import Foundation
import Testing

/// Measurements, not timed tests: run with `ENPIRE_FLEET_SOAK=1 swift test --filter FleetSoakTests`.
@Suite("Fleet soak measurements", .serialized, .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_FLEET_SOAK"] == "1"))
struct FleetSoakTests {
    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return elapsed.inSeconds
    }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count - 1)).rounded())
        return sorted[rank]
    }

    @Test("spread: a kept result on one of 8 stations is visible to the 7 others after their sync")
    func spreadLatency() async throws {
        let folder = try LedgerFixtures.temporaryFolder("soak-spread")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        var stations: [FleetStation] = []
        for index in 0..<8 {
            stations.append(try await FleetStation(name: "s\(index)", remote: remote,
                                                   clonePath: folder.appendingPathComponent("s\(index)")))
        }
        var perStation: [Double] = []
        var perRunMax: [Double] = []
        var publishSeconds: [Double] = []
        for run in 0..<20 {
            let publisher = stations[run % 8]
            let record = try LedgerFixtures.record(id: "spread-\(run)", station: publisher.name, successes: run,
                                                  trials: 20)
            let publishStart = ContinuousClock.now
            try await publisher.publish(record)
            publishSeconds.append(Self.seconds(since: publishStart))
            let pushed = ContinuousClock.now
            let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
                for station in stations where station !== publisher {
                    group.addTask {
                        while true {
                            try await station.sync()
                            if try await station.keptResults().contains(where: { $0.id == record.id }) {
                                return Self.seconds(since: pushed)
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Double]()) { $0.append($1) }
            }
            #expect(latencies.count == 7)
            perStation.append(contentsOf: latencies)
            perRunMax.append(latencies.max() ?? .nan)
        }
        let line = String(
            format: "SOAK spread (8 stations, 20 runs): push %.1f ms median; visible after sync: per station "
                + "median %.1f ms p95 %.1f ms; slowest of 7 per run median %.1f ms p95 %.1f ms max %.1f ms",
            Self.percentile(publishSeconds, 0.5) * 1e3, Self.percentile(perStation, 0.5) * 1e3,
            Self.percentile(perStation, 0.95) * 1e3, Self.percentile(perRunMax, 0.5) * 1e3,
            Self.percentile(perRunMax, 0.95) * 1e3, (perRunMax.max() ?? .nan) * 1e3)
        print(line)
        #expect(Self.percentile(perRunMax, 0.95) <= 1.0)
    }

    @Test("contention: 8 stations pushing concurrently 100 times each lose no record")
    func contention() async throws {
        let pushes = Int(ProcessInfo.processInfo.environment["ENPIRE_FLEET_SOAK_PUSHES"] ?? "") ?? 100
        let folder = try LedgerFixtures.temporaryFolder("soak-contention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let start = ContinuousClock.now
        let attempts = try await withThrowingTaskGroup(of: [Int].self) { group in
            for index in 0..<8 {
                group.addTask {
                    let name = "s\(index)"
                    let station = try await FleetStation(name: name, remote: remote,
                                                         clonePath: folder.appendingPathComponent(name))
                    var attempts: [Int] = []
                    for push in 0..<pushes {
                        let record = try LedgerFixtures.record(id: "\(name)-\(push)", station: name,
                                                              successes: push % 21, trials: 20)
                        attempts.append(try await station.publish(record).attempts)
                    }
                    return attempts
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append(contentsOf: $1) }
        }
        let total = Self.seconds(since: start)
        let observer = try await FleetStation(name: "observer", remote: remote,
                                              clonePath: folder.appendingPathComponent("observer"))
        let seen = Set(try await observer.keptResults().map(\.id))
        let lost = 8 * pushes - seen.count
        let attemptValues = attempts.map(Double.init)
        print(String(format: "SOAK contention: 8 stations x %d pushes: %d records, lost %d, total %.2f s "
                         + "(%.1f ms per record), attempts per record mean %.2f p95 %.0f max %.0f",
                     pushes, seen.count, lost, total, total / Double(8 * pushes) * 1e3,
                     attemptValues.reduce(0, +) / Double(attemptValues.count),
                     Self.percentile(attemptValues, 0.95), attemptValues.max() ?? .nan))
        #expect(lost == 0)
    }

    @Test("MRU with and without the trial scheduler on the default synthetic workload")
    func mruComparison() async throws {
        let workload = SyntheticWorkload()
        let sequential = WorkloadSimulation.runSequential(workload)
        let scheduled = try await WorkloadSimulation.runScheduled(workload)
        for (label, report) in [("sequential", sequential), ("scheduler", scheduled)] {
            print(String(format: "SOAK MRU %@: MRU %.3f reset %.3f idle %.3f trials %d", label,
                         report.utilization.mru, report.utilization.resetShare, report.utilization.idleShare,
                         report.trialsCompleted))
        }
        #expect(scheduled.utilization.mru > sequential.utilization.mru)
    }
}
