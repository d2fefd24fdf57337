import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on a file inside a path remote, held around each push.
///
/// libgit2's local transport checks fast-forward against the tip it read when connecting and then writes
/// the ref without compare-and-swap, so two processes pushing to the same path could silently overwrite
/// each other. Serialising pushes with a lock closes that window; ssh and https remotes need no lock
/// because the server compares old and new tips atomically.
struct PushLock {
    let path: String

    /// A taken lock; release it exactly once.
    struct Held: Sendable {
        fileprivate let descriptor: Int32

        func release() {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    /// Takes the lock, polling with jitter so that waiting never blocks a thread of the cooperative pool.
    func acquire(timeoutSeconds: Double) async throws -> Held {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FleetError.io(path: path, reason: "cannot open push lock (errno \(errno))")
        }
        let start = ContinuousClock.now
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let waited = ContinuousClock.now - start
            let seconds = waited.inSeconds
            if seconds > timeoutSeconds {
                close(descriptor)
                throw FleetError.lockTimeout(path: path, waitedSeconds: seconds)
            }
            do {
                try await Task.sleep(for: .microseconds(Int.random(in: 200...2_000)))
            } catch {
                close(descriptor)
                throw error
            }
        }
        return Held(descriptor: descriptor)
    }
}
