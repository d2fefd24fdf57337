import CKernels
import Foundation

/// The threads EnpireLearning computes on: a fork-join pool in C (`CKernels/pool.c`) where the calling thread
/// runs the first chunk and persistent workers run the others (allocation-free when the work is a ``PoolKernel``).
///
/// The pool does all of the training step's parallel work, the matrix products included: ``BLAS`` runs OpenBLAS on
/// one thread and splits large products into blocks of the output itself, so one set of threads shares the cores
/// instead of OpenBLAS's workers spinning beside the pool's. Its size is ``usableCores`` (at most ``maxSize``), or
/// `ENPIRE_THREADS` from the environment; `ENPIRE_THREADS=1` keeps everything on the calling thread.
enum ComputePool {
    /// Upper bound on the pool's size (threads including the caller).
    static let maxSize = 8

    /// The cores this process may run on: the active processors, fewer when the CPU affinity mask says so
    /// (`taskset -c 0`, a container's cpuset, a controller pinning its threads). Foundation's
    /// `activeProcessorCount` ignores the mask, and a pool of two threads on one allowed core made a classifier
    /// verdict 2.7× slower (p50 2.66 → 0.98 ms). Fewer again under a control group's CPU quota (`docker --cpus`,
    /// a Kubernetes CPU limit; see ``CPUQuota``), read once.
    static var usableCores: Int {
        let active = ProcessInfo.processInfo.activeProcessorCount
        let allowed = Int(enpire_affinity_cpu_count())
        let cores = allowed > 0 ? min(active, allowed) : active
        return quotaCores.map { min(cores, $0) } ?? cores
    }

    /// The cgroup CPU quota in whole cores, read at first use (nil: none).
    static let quotaCores: Int? = CPUQuota.current()

    /// Threads including the caller, fixed at first use.
    static let size: Int = {
        var wanted = usableCores
        if let text = ProcessInfo.processInfo.environment["ENPIRE_THREADS"], let value = Int(text), value > 0 {
            wanted = value
        }
        let size = max(1, min(wanted, maxSize))
        enpire_pool_configure(Int32(size))
        BLAS.useSingleThreadedLibrary()
        return size
    }()

    /// A chunk closure carried through the C pool's context pointer.
    private struct Job {
        let call: (Int) -> Void
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` (chunk 0 on the calling thread) and returns when all
    /// have finished. A call from inside a chunk, or while another thread's fork-join is running, runs the chunks
    /// one after another on the caller. Passing a closure costs one small allocation per call (the closure is
    /// re-wrapped to be stored); the training step's kernels pass a `PoolKernel` instead.
    static func run(chunks: Int, _ body: (Int) -> Void) {
        _ = size
        // Sound: the pool returns only after every chunk has finished, so `body` does not outlive the call.
        withoutActuallyEscaping(body) { escapable in
            var job = Job(call: escapable)
            withUnsafeMutablePointer(to: &job) { pointer in
                _ = enpire_pool_run(Int32(chunks), { context, chunk in
                    context!.assumingMemoryBound(to: Job.self).pointee.call(Int(chunk))
                }, pointer)
            }
        }
    }

    /// Runs `kernel.run(chunk:)` for every chunk in `0..<kernel.chunks` like the closure form, with
    /// no allocation: the kernel is a plain struct passed by address and entered through its C function pointer.
    /// A single chunk runs directly on the caller.
    static func run<Kernel: PoolKernel>(_ kernel: inout Kernel) {
        let chunks = kernel.chunks
        guard chunks > 1 else {
            kernel.run(chunk: 0)
            return
        }
        _ = size
        withUnsafeMutablePointer(to: &kernel) { pointer in
            _ = enpire_pool_run(Int32(chunks), Kernel.entry, pointer)
        }
    }

    /// Calls `body(start, end, chunk)` over `[0, count)` split into `chunks` contiguous ranges (``bounds(_:chunk:of:)``),
    /// on the pool when `chunks > 1`, else once on the caller.
    @inline(__always)
    static func forEachRange(_ count: Int, chunks: Int, _ body: (Int, Int, Int) -> Void) {
        guard chunks > 1 else { return body(0, count, 0) }
        run(chunks: chunks) { chunk in
            let (start, end) = bounds(count, chunk: chunk, of: chunks)
            body(start, end, chunk)
        }
    }

    /// The bounds of chunk `chunk` of `chunks` contiguous chunks over `0..<count`.
    @inline(__always)
    static func bounds(_ count: Int, chunk: Int, of chunks: Int) -> (start: Int, end: Int) {
        (count * chunk / chunks, count * (chunk + 1) / chunks)
    }
}

/// Parallel work the ``ComputePool`` runs without allocating: a struct of pointers and numbers whose chunks are
/// independent.
protocol PoolKernel {
    /// Does chunk `chunk` of ``chunks``; called concurrently for different chunks.
    func run(chunk: Int)
    /// The number of chunks the kernel is split into.
    var chunks: Int { get }
    /// A C entry point that reads the kernel from the context pointer and runs one chunk, written in each
    /// conforming type as `{ context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk:
    /// Int(chunk)) }` (a C function pointer cannot be generic).
    static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void { get }
}
