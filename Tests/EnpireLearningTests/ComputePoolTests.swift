import CKernels
import Enpire
import Foundation
import Synchronization
import Testing
@testable import EnpireLearning

/// The fork-join pool every learning thread runs on: every chunk runs exactly once per call, calls from several
/// threads at once and calls from inside a chunk complete, and results do not depend on scheduling.
@Suite("Compute pool")
struct ComputePoolTests {
    /// Writes `chunk + 1` into its slot; each slot must be written exactly once per call.
    private struct MarkKernel: PoolKernel {
        let slots: UnsafeMutablePointer<Int>
        let chunks: Int

        func run(chunk: Int) { slots[chunk] += chunk + 1 }

        static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void {
            { context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk: Int(chunk)) }
        }
    }

    @Test("every chunk runs exactly once, thousands of calls in a row")
    func everyChunkOnce() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        defer { slots.deallocate() }
        for chunks in 1...8 {
            slots.initialize(repeating: 0, count: 8)
            var kernel = MarkKernel(slots: slots, chunks: chunks)
            for _ in 0..<2_000 { ComputePool.run(&kernel) }
            for chunk in 0..<chunks { #expect(slots[chunk] == 2_000 * (chunk + 1), "chunk \(chunk) of \(chunks)") }
        }
    }

    /// A shared counter the chunks add to.
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test("calls from several threads at once and from inside a chunk all complete with every chunk run once")
    func concurrentAndNestedCalls() async {
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        ComputePool.run(chunks: 3) { outer in
                            ComputePool.run(chunks: 2) { inner in
                                total.value.add(1 + outer * 2 + inner, ordering: .relaxed)
                            }
                        }
                    }
                }
            }
        }
        // Per call: outer 0..2 × inner 0..1 → Σ (1 + 2·outer + inner) = 6 + 12 + 3 = 21.
        #expect(total.value.load(ordering: .relaxed) == 4 * 500 * 21)
    }

    @Test("a split product equals the unsplit one up to rounding (OpenBLAS may pick another kernel for a block)")
    func splitProductMatchesSerial() {
        var rng = SplitMix64(seed: 3)
        let m = 300, n = 70, k = 64
        let a = (0..<m * k).map { _ in Float(rng.nextUnitDouble() - 0.5) }
        let b = (0..<k * n).map { _ in Float(rng.nextUnitDouble() - 0.5) }
        var split = [Float](repeating: 0, count: m * n), serial = split
        BLAS.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                  beta: 0, c: &split, ldc: n)
        BLAS.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                  beta: 0, c: &serial, ldc: n, parallel: false)
        let worst = zip(split, serial).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference \(worst)")
        #expect(split.contains { $0 != 0 })
    }

    /// What a thread restricted to one core sees.
    private final class PinnedReading: Sendable {
        let core = Atomic<Int>(-2)
        let usable = Atomic<Int>(0)
    }

    #if os(Linux)
    @Test("a thread restricted to one core counts one usable core (the pool does not oversubscribe a taskset core)")
    func usableCoresFollowTheAffinityMask() async {
        let reading = PinnedReading()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            // A thread of its own: the restriction must not stay on a thread the test runner reuses.
            let thread = Thread {
                reading.core.store(Int(enpire_pin_thread_to_first_cpu()), ordering: .sequentiallyConsistent)
                reading.usable.store(ComputePool.usableCores, ordering: .sequentiallyConsistent)
                done.resume()
            }
            thread.start()
        }
        #expect(reading.core.load(ordering: .sequentiallyConsistent) >= 0, "the thread could not be pinned")
        #expect(reading.usable.load(ordering: .sequentiallyConsistent) == 1)
        #expect(ComputePool.usableCores >= 1)
        #expect(ComputePool.usableCores <= ProcessInfo.processInfo.activeProcessorCount)
    }
    #endif
}

@Suite("cgroup CPU quota")
struct CPUQuotaTests {
    @Test("quota lines give whole cores, rounded up; no limit and garbage give nil")
    func quotaLines() {
        #expect(CPUQuota.cores(cpuMax: "max 100000\n") == nil)
        #expect(CPUQuota.cores(cpuMax: "150000 100000\n") == 2)
        #expect(CPUQuota.cores(cpuMax: "100000 100000") == 1)
        #expect(CPUQuota.cores(cpuMax: "50000 100000") == 1)
        #expect(CPUQuota.cores(cpuMax: "400000 100000") == 4)
        #expect(CPUQuota.cores(cpuMax: "") == nil)
        #expect(CPUQuota.cores(cpuMax: "abc def") == nil)
        #expect(CPUQuota.cores(quota: "-1\n", period: "100000\n") == nil)
        #expect(CPUQuota.cores(quota: "250000\n", period: "100000\n") == 3)
        #expect(CPUQuota.cores(quota: "100000", period: "0") == nil)
    }

    @Test("/proc/self/cgroup: the unified path and the cpu controller's path; ancestors are looked at")
    func groups() {
        let hybrid = "12:cpu,cpuacct:/docker/abc\n3:cpuset:/docker/abc\n0::/user.slice\n"
        #expect(CPUQuota.groups(procSelfCgroup: hybrid).unified == "/user.slice")
        #expect(CPUQuota.groups(procSelfCgroup: hybrid).cpu == "/docker/abc")
        #expect(CPUQuota.groups(procSelfCgroup: "2:cpuacct:/x\n1:cpu:/y\n").cpu == "/y")
        #expect(CPUQuota.groups(procSelfCgroup: "0::/\n").cpu == nil)
        #expect(CPUQuota.directories(mount: "/sys/fs/cgroup", path: "/a/b")
            == ["/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"])
        #expect(CPUQuota.directories(mount: "/m", path: "/") == ["/m"])
    }

    @Test("a fake cgroup tree: the tightest limit along the group and its ancestors wins")
    func fakeTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func write(_ path: String, _ text: String) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("proc", "0::/kubepods/pod1/box\n")
        try write("kubepods/pod1/box/cpu.max", "max 100000\n")
        try write("kubepods/pod1/cpu.max", "300000 100000\n")
        try write("kubepods/cpu.max", "800000 100000\n")
        #expect(CPUQuota.current(root: root.path, procSelfCgroup: root.appendingPathComponent("proc").path) == 3)
        try write("proc", "4:cpu,cpuacct:/docker/c1\n0::/\n")
        try write("cpu,cpuacct/docker/c1/cpu.cfs_quota_us", "150000\n")
        try write("cpu,cpuacct/docker/c1/cpu.cfs_period_us", "100000\n")
        #expect(CPUQuota.current(root: root.path, procSelfCgroup: root.appendingPathComponent("proc").path) == 2)
        #expect(CPUQuota.current(root: root.path, procSelfCgroup: root.appendingPathComponent("missing").path) == nil)
        // This machine: whatever it sets, the pool never exceeds it. Run inside a group with a known quota, e.g.
        // `mkdir /sys/fs/cgroup/cpu/q; echo 100000 > /sys/fs/cgroup/cpu/q/cpu.cfs_quota_us; echo $$ > .../cgroup.procs`
        // and ENPIRE_EXPECT_CPU_QUOTA=1, to check the real files are found.
        if let quota = CPUQuota.current() { #expect(ComputePool.usableCores <= quota) }
        if let expected = ProcessInfo.processInfo.environment["ENPIRE_EXPECT_CPU_QUOTA"].flatMap(Int.init) {
            #expect(CPUQuota.current() == expected)
            #expect(ComputePool.usableCores == min(expected, ProcessInfo.processInfo.activeProcessorCount))
        }
    }
}
