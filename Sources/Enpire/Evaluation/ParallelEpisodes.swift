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
    ///
    /// A body that throws ``LaneStopped`` takes its lane out of service (its station was e-stopped, say): the
    /// episode it was running goes back to the queue and another lane runs it. The run throws
    /// ``ParallelEpisodesError/noLanesLeft(remaining:reason:)`` only when every lane stopped with episodes left.
    public static func run<Lane, Outcome: Sendable>(
        count: Int, lanes: Int, makeLane: @escaping @Sendable (Int) async throws -> Lane,
        body: @escaping @Sendable (Lane, Int) async throws -> Outcome
    ) async throws -> [Outcome] {
        guard count > 0 else { return [] }
        let queue = LaneQueue(count: count)
        let results = try await withThrowingTaskGroup(of: [(Int, Outcome)].self) { group in
            for laneIndex in 0..<max(1, min(lanes, count)) {
                group.addTask {
                    let lane = try await makeLane(laneIndex)
                    var done: [(Int, Outcome)] = []
                    while true {
                        try Task.checkCancellation()
                        switch queue.take() {
                        case .index(let index):
                            do {
                                done.append((index, try await body(lane, index)))
                                queue.finished()
                            } catch let stop as LaneStopped {
                                queue.giveBack(index, reason: stop.reason)
                                return done
                            } catch {
                                queue.finished()
                                throw error
                            }
                        case .wait:
                            // Another lane is still running an episode it may give back.
                            try await Task.sleep(for: .milliseconds(5))
                        case .done:
                            return done
                        }
                    }
                }
            }
            var all: [(Int, Outcome)] = []
            for try await part in group { all += part }
            return all
        }
        guard results.count == count else {
            throw ParallelEpisodesError.noLanesLeft(remaining: count - results.count, reason: queue.lastStop ?? "stopped")
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Thrown by a lane's body to take its lane out of service; the episode goes back to the other lanes.
    public struct LaneStopped: Error, Sendable, CustomStringConvertible {
        /// Why the lane stopped (`station evaluator-2: emergency stop`, say).
        public let reason: String

        /// A stop with its reason.
        public init(reason: String) { self.reason = reason }

        /// The reason.
        public var description: String { reason }
    }

    /// Episodes handed to lanes: fresh indices in order, then any a stopped lane gave back.
    private final class LaneQueue: Sendable {
        enum Take { case index(Int), wait, done }
        struct State {
            var next = 0
            var returned: [Int] = []
            var busy = 0
            var lastStop: String?
        }
        let count: Int
        let state = Mutex(State())

        init(count: Int) { self.count = count }

        func take() -> Take {
            state.withLock { state in
                if let index = state.returned.popLast() {
                    state.busy += 1
                    return .index(index)
                }
                if state.next < count {
                    state.next += 1
                    state.busy += 1
                    return .index(state.next - 1)
                }
                return state.busy > 0 ? .wait : .done
            }
        }

        func finished() { state.withLock { $0.busy -= 1 } }

        func giveBack(_ index: Int, reason: String) {
            state.withLock { state in
                state.returned.append(index)
                state.busy -= 1
                state.lastStop = reason
            }
        }

        var lastStop: String? { state.withLock { $0.lastStop } }
    }
}

/// Why ``ParallelEpisodes`` could not finish its episodes.
public enum ParallelEpisodesError: Error, CustomStringConvertible, Equatable {
    /// Every lane stopped (``ParallelEpisodes/LaneStopped``) with episodes still to run.
    case noLanesLeft(remaining: Int, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .noLanesLeft(remaining, reason):
            return "every station stopped with \(remaining) episodes left to run (last: \(reason)); clear the stops "
                + "and run again (a campaign continues with --resume)"
        }
    }
}
