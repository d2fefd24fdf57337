import Foundation

/// A task executor that runs its jobs on the thread that waits in ``wait(_:)``: synchronous code can run async
/// work to its end without blocking on a thread of the concurrency pool that the work itself would need.
final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    /// Runs `work` as a task that prefers this executor and waits, running its jobs, until it returns.
    static func wait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let executor = CallerThreadExecutor()
        let box = ResultBox<T>()
        Task(executorPreference: executor) {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            executor.stop()
        }
        executor.runUntilStopped()
        guard let result = box.result else { throw CancellationError() }
        return try result.get()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func runUntilStopped() {
        while true {
            condition.lock()
            while jobs.isEmpty, !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// The outcome of a waited-for task, written once by the task and read after it finished.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
