import CChipmunk
import Foundation

/// Helpers shared by the Chipmunk-backed simulations.
enum ChipmunkSupport {
    /// Debian builds libchipmunk with debug output on: the first `cpSpaceNew` of a process prints a banner to
    /// standard output, which would corrupt JSON written there. Reading this creates that first space with
    /// stdout pointed at /dev/null (the same approach as ``PushTSimulation``).
    static let silencedBanner: Bool = {
        fflush(nil)
        let saved = dup(STDOUT_FILENO)
        let null = open("/dev/null", O_WRONLY)
        if saved >= 0, null >= 0 { dup2(null, STDOUT_FILENO) }
        cpSpaceFree(cpSpaceNew())
        fflush(nil)
        if saved >= 0 {
            dup2(saved, STDOUT_FILENO)
            close(saved)
        }
        if null >= 0 { close(null) }
        return true
    }()
}
