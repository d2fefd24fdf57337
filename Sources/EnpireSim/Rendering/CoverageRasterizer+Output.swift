import Enpire
import Foundation

extension CoverageRasterizer {
    /// Composes every row over `background` and writes it into `image` through `lighting` (camera noise) or, when
    /// the lighting stage is inactive, by rounding. The image's buffer is reused, and replaced only when its size
    /// differs from the rasteriser's.
    mutating func write(into image: inout RGBImage, background: (UInt8, UInt8, UInt8), lighting: inout LightingStage) {
        let width = self.width
        if image.size.width != width || image.size.height != height || image.pixels.count != width * height * 3 {
            image = RGBImage(size: ImageSize(width: width, height: height))
        }
        let base = (Float(background.0), Float(background.1), Float(background.2))
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<height {
                composeRow(y, background: base)
                let offset = y * width * 3
                row.withUnsafeBufferPointer { row in
                    if lighting.isActive {
                        lighting.apply(row: row, y: y, into: pixels, offset: offset)
                    } else {
                        for index in 0..<(width * 3) {
                            pixels[offset + index] = UInt8(truncatingIfNeeded: Int(row[index] + 0.5))
                        }
                    }
                }
            }
        }
    }

    /// Adds a capsule (a rectangle with round caps) from `(x0, y0)` to `(x1, y1)` in image pixels, `radius` wide
    /// on each side: three primitives of the current layer.
    mutating func addCapsule(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, radius: Double) {
        let dx = x1 - x0, dy = y1 - y0
        let length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let nx = -dy / length * radius, ny = dx / length * radius
        addPolygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], .identity)
        addDisc(centerX: x0, centerY: y0, radius: radius)
        addDisc(centerX: x1, centerY: y1, radius: radius)
    }
}

/// The map from a planar scene in millimetres (y up) to image pixels (y down) of a simulated camera: a nominal
/// framing (scale and the world point at the image centre, optionally foreshortened along one direction for an
/// oblique view), then the camera's pose error from ``CameraPerturbation`` (translation in output pixels,
/// rotation about the image centre, scale).
enum PlanarCameraView {
    static func transform(outputSize: ImageSize, pixelsPerMillimetre: Double, centre: (x: Double, y: Double),
                          viewAngle: Double = 0, foreshortening: Double = 1,
                          perturbation: CameraPerturbation) -> AffineTransform2D {
        // World (y up) to centred millimetres, y down.
        let toCentre = AffineTransform2D(a: 1, b: 0, c: 0, d: -1, tx: -centre.x, ty: centre.y)
        // In-plane turn of the view, then foreshortening of the image's vertical axis (a tilted camera).
        let turn = AffineTransform2D.rigid(angle: viewAngle, x: 0, y: 0)
        let squash = AffineTransform2D(a: 1, b: 0, c: 0, d: foreshortening, tx: 0, ty: 0)
        let cosine = cos(perturbation.rotationRadians), sine = sin(perturbation.rotationRadians)
        let scale = pixelsPerMillimetre * perturbation.scale
        let camera = AffineTransform2D(
            a: scale * cosine, b: -scale * sine, c: scale * sine, d: scale * cosine,
            tx: Double(outputSize.width) / 2 + perturbation.translationX,
            ty: Double(outputSize.height) / 2 + perturbation.translationY)
        return camera.concatenating(squash).concatenating(turn).concatenating(toCentre)
    }
}
