import Dispatch
import Synchronization

/// Runs `body(index)` for `0..<count` on `workers` threads (each thread takes the next index) and returns the
/// outcomes by index: the shared driver of the scripted experts' evaluations.
func runEpisodesInParallel(count: Int, workers: Int,
                           _ body: @Sendable (Int) -> (success: Bool, steps: Int)) -> [Int: (success: Bool, steps: Int)] {
    let outcomes = Mutex<[Int: (success: Bool, steps: Int)]>([:])
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            let outcome = body(index)
            outcomes.withLock { $0[index] = outcome }
        }
    }
    return outcomes.withLock { $0 }
}
