import Foundation

/// Exact area of the block T overlapping the goal T, as gym-pusht computes it with shapely.
///
/// Both T's are unions of two convex pieces (bar and stem) whose interiors do not overlap, so the
/// intersection area is the sum of the four convex–convex intersection areas, each found by clipping one
/// convex polygon against the other (Sutherland–Hodgman) in double precision. No rasterisation.
public enum PushTCoverage {
    /// Goal T pieces in world coordinates (computed once).
    static let goalPieces: [[SIMD2<Double>]] = {
        let pose = PushTGeometry.goalPose
        return [PushTGeometry.barVertices, PushTGeometry.stemVertices].map {
            transform($0, x: pose.x, y: pose.y, angle: pose.angle)
        }
    }()

    /// Area of the goal T as the sum of its pieces.
    static let goalArea: Double = goalPieces.reduce(0) { $0 + abs(signedArea($1)) }

    /// Fraction of the goal covered by the block at `state` (block origin and angle).
    public static func coverage(of state: PushTState) -> Double {
        let pieces = [PushTGeometry.barVertices, PushTGeometry.stemVertices].map {
            transform($0, x: state.blockX, y: state.blockY, angle: state.blockAngle)
        }
        var overlap = 0.0
        for piece in pieces {
            for goal in goalPieces {
                overlap += abs(signedArea(clip(piece, by: goal)))
            }
        }
        return overlap / goalArea
    }

    /// Fraction of a T at an arbitrary goal pose covered by the block (the same exact clipping; used by planners
    /// whose goal is not gym-pusht's).
    public static func coverage(blockX: Double, blockY: Double, blockAngle: Double,
                                goalX: Double, goalY: Double, goalAngle: Double) -> Double {
        let shapes = [PushTGeometry.barVertices, PushTGeometry.stemVertices]
        let pieces = shapes.map { transform($0, x: blockX, y: blockY, angle: blockAngle) }
        let goals = shapes.map { transform($0, x: goalX, y: goalY, angle: goalAngle) }
        var overlap = 0.0
        for piece in pieces {
            for goal in goals {
                overlap += abs(signedArea(clip(piece, by: goal)))
            }
        }
        return overlap / goals.reduce(0) { $0 + abs(signedArea($1)) }
    }

    /// gym-pusht's reward: `clip(coverage / 0.95, 0, 1)`.
    public static func reward(coverage: Double) -> Double {
        min(max(coverage / PushTGeometry.successThreshold, 0), 1)
    }

    /// World vertices of one body-local polygon under a body-origin transform (as Chipmunk's
    /// `cpBodyLocalToWorld`: rotation by `angle`, then translation by the origin).
    static func transform(_ vertices: [(x: Double, y: Double)], x: Double, y: Double, angle: Double) -> [SIMD2<Double>] {
        let c = cos(angle), s = sin(angle)
        return vertices.map { SIMD2(c * $0.x - s * $0.y + x, s * $0.x + c * $0.y + y) }
    }

    static func signedArea(_ polygon: [SIMD2<Double>]) -> Double {
        guard polygon.count >= 3 else { return 0 }
        var sum = 0.0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            sum += a.x * b.y - b.x * a.y
        }
        return sum / 2
    }

    /// Clips convex `subject` by convex `clipper` (either orientation).
    static func clip(_ subject: [SIMD2<Double>], by clipper: [SIMD2<Double>]) -> [SIMD2<Double>] {
        let orientation: Double = signedArea(clipper) >= 0 ? 1 : -1
        var output = subject
        for i in clipper.indices {
            guard !output.isEmpty else { break }
            let a = clipper[i], b = clipper[(i + 1) % clipper.count]
            let input = output
            output.removeAll(keepingCapacity: true)
            func side(_ p: SIMD2<Double>) -> Double {
                orientation * ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x))
            }
            for j in input.indices {
                let current = input[j], previous = input[(j + input.count - 1) % input.count]
                let sc = side(current), sp = side(previous)
                if sc >= 0 {
                    if sp < 0 { output.append(previous + (current - previous) * (sp / (sp - sc))) }
                    output.append(current)
                } else if sp >= 0 {
                    output.append(previous + (current - previous) * (sp / (sp - sc)))
                }
            }
        }
        return output
    }
}
