import CChipmunk
import Foundation

/// Helpers shared by the Chipmunk-backed simulations.
enum ChipmunkSupport {
    /// Debian builds libchipmunk with debug output on: the first `cpSpaceNew` of a process prints a banner to
    /// standard output, which would corrupt JSON written there. Reading this creates that first space with
    /// stdout pointed at /dev/null.
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

    /// Removes and frees everything a simulation added to `space`, then the space itself.
    static func free(space: OpaquePointer, constraints: [OpaquePointer], shapes: [OpaquePointer],
                     bodies: [OpaquePointer]) {
        for constraint in constraints {
            cpSpaceRemoveConstraint(space, constraint)
            cpConstraintFree(constraint)
        }
        for shape in shapes {
            cpSpaceRemoveShape(space, shape)
            cpShapeFree(shape)
        }
        for body in bodies {
            cpSpaceRemoveBody(space, body)
            cpBodyFree(body)
        }
        cpSpaceFree(space)
    }
}
