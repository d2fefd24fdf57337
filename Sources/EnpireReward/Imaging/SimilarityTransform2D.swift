import Foundation

/// A similarity map from a planar world in millimetres (y up) to image pixels (y down): uniform scale, rotation
/// and translation, fitted to fiducials seen in a frame.
///
/// In complex numbers, image `u = alpha * z + beta` with world `z = x - i y` (the y axis flipped).
public struct SimilarityTransform2D: Sendable, Equatable, Codable {
    /// Real part of `alpha` (scale times the cosine of the rotation).
    public var alphaReal: Double
    /// Imaginary part of `alpha`.
    public var alphaImaginary: Double
    /// Image x of the world origin.
    public var betaX: Double
    /// Image y of the world origin.
    public var betaY: Double

    /// Creates a transform from its coefficients.
    public init(alphaReal: Double, alphaImaginary: Double, betaX: Double, betaY: Double) {
        self.alphaReal = alphaReal
        self.alphaImaginary = alphaImaginary
        self.betaX = betaX
        self.betaY = betaY
    }

    /// Pixels per millimetre.
    public var scale: Double { (alphaReal * alphaReal + alphaImaginary * alphaImaginary).squareRoot() }

    /// The least-squares similarity through `count` world/image point pairs (at least two distinct points).
    public static func fit(world: [(x: Double, y: Double)], image: [(x: Double, y: Double)], count: Int)
        -> SimilarityTransform2D? {
        guard count >= 2, world.count >= count, image.count >= count else { return nil }
        var zx = 0.0, zy = 0.0, ux = 0.0, uy = 0.0
        for i in 0..<count {
            zx += world[i].x
            zy -= world[i].y
            ux += image[i].x
            uy += image[i].y
        }
        let n = Double(count)
        zx /= n; zy /= n; ux /= n; uy /= n
        // alpha = sum((u - ū) conj(z - z̄)) / sum(|z - z̄|²)
        var numeratorReal = 0.0, numeratorImaginary = 0.0, denominator = 0.0
        for i in 0..<count {
            let dzx = world[i].x - zx, dzy = -world[i].y - zy
            let dux = image[i].x - ux, duy = image[i].y - uy
            numeratorReal += dux * dzx + duy * dzy
            numeratorImaginary += duy * dzx - dux * dzy
            denominator += dzx * dzx + dzy * dzy
        }
        guard denominator > 1e-9 else { return nil }
        let ar = numeratorReal / denominator, ai = numeratorImaginary / denominator
        return SimilarityTransform2D(alphaReal: ar, alphaImaginary: ai, betaX: ux - (ar * zx - ai * zy),
                                     betaY: uy - (ar * zy + ai * zx))
    }

    /// Where world point (x, y) lands in the image.
    public func image(x: Double, y: Double) -> (x: Double, y: Double) {
        let zx = x, zy = -y
        return (alphaReal * zx - alphaImaginary * zy + betaX, alphaReal * zy + alphaImaginary * zx + betaY)
    }

    /// The world point seen at image point (u, v).
    public func world(u: Double, v: Double) -> (x: Double, y: Double) {
        let (dx, dy) = worldVector(du: u - betaX, dv: v - betaY)
        return (dx, dy)
    }

    /// The world vector of image vector (du, dv) (no translation).
    public func worldVector(du: Double, dv: Double) -> (x: Double, y: Double) {
        let norm = alphaReal * alphaReal + alphaImaginary * alphaImaginary
        // z = d / alpha = d * conj(alpha) / |alpha|²
        let zx = (du * alphaReal + dv * alphaImaginary) / norm
        let zy = (dv * alphaReal - du * alphaImaginary) / norm
        return (zx, -zy)
    }
}
