import Dispatch
import Synchronization

/// Runs many independent episodes in parallel, each worker taking the next episode index when it is free (work
/// stealing), and returns the outcomes in index order.
///
/// Two forms: threads, for simulated episodes that run synchronously (each worker builds its own world once), and
/// async lanes, for episodes run through a `Station` (each lane builds its own station once). The first error
/// stops the other workers from taking new episodes and is rethrown.
public enum ParallelEpisodes {
    /// Runs `body(&worker, index)` for every index in `0..<count` on up to `workers` threads; each thread makes
    /// its own worker with `makeWorker(threadIndex)` before its first episode. Throws what the closures throw
    /// (nothing, when they cannot).
    public static func run<Worker, Outcome: Sendable, E: Error>(
        count: Int, workers: Int, makeWorker: @Sendable (Int) throws(E) -> Worker,
        body: @Sendable (inout Worker, Int) throws(E) -> Outcome
    ) throws(E) -> [Outcome] {
        guard count > 0 else { return [] }
        let threads = max(1, min(workers, count))
        let outcomes = Mutex<[Int: Outcome]>([:])
        let failure = Mutex<E?>(nil)
        let next = Atomic<Int>(0)
        let lane = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let thread = lane.add(1, ordering: .relaxed).oldValue
            do throws(E) {
                var worker = try makeWorker(thread)
                while failure.withLock({ $0 == nil }) {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    let outcome = try body(&worker, index)
                    outcomes.withLock { $0[index] = outcome }
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let done = outcomes.withLock { $0 }
        return (0..<count).compactMap { done[$0] }
    }

    /// Runs `body(index)` for every index in `0..<count` on up to `workers` threads, for episodes that need no
    /// per-thread state. Throws what `body` throws (nothing, when it cannot).
    public static func run<Outcome: Sendable, E: Error>(
        count: Int, workers: Int, body: @Sendable (Int) throws(E) -> Outcome
    ) throws(E) -> [Outcome] {
        try run(count: count, workers: workers, makeWorker: { _ throws(E) in () },
                body: { _, index throws(E) in try body(index) })
    }

    /// Runs `body(lane, index)` for every index in `0..<count` on up to `lanes` concurrent tasks; each task makes
    /// its lane (a station, say) with `makeLane(laneIndex)` before its first episode.
    public static func run<Lane, Outcome: Sendable>(
        count: Int, lanes: Int, makeLane: @escaping @Sendable (Int) async throws -> Lane,
        body: @escaping @Sendable (Lane, Int) async throws -> Outcome
    ) async throws -> [Outcome] {
        guard count > 0 else { return [] }
        let counter = Counter()
        let results = try await withThrowingTaskGroup(of: [(Int, Outcome)].self) { group in
            for laneIndex in 0..<max(1, min(lanes, count)) {
                group.addTask {
                    let lane = try await makeLane(laneIndex)
                    var done: [(Int, Outcome)] = []
                    while true {
                        try Task.checkCancellation()
                        let index = counter.next.add(1, ordering: .relaxed).oldValue
                        guard index < count else { return done }
                        done.append((index, try await body(lane, index)))
                    }
                }
            }
            var all: [(Int, Outcome)] = []
            for try await part in group { all += part }
            return all
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private final class Counter: Sendable {
        let next = Atomic<Int>(0)
    }
}
