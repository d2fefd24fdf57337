import Foundation

/// Finds round fiducial dots near their nominal image positions in a per-pixel class map: the shared first step
/// of the pin-insertion analyser and the zip-tie scene estimator (both calibrate every frame from dots painted at
/// known world positions).
struct FiducialDots {
    /// Dot centres in world millimetres (x, y up).
    var dots: [[Double]]
    /// Dot radius in millimetres.
    var radius: Double
    /// Nominal scale of the camera, pixels per millimetre.
    var pixelsPerMillimetre: Double
    /// World point at the image centre in the nominal framing.
    var centre: [Double]
    /// Half-size of the search window around each nominal position, in pixels.
    var window: Int
    /// Accepted dot areas as shares of the nominal disc's area.
    var areaShares: ClosedRange<Double>

    /// Appends the world and image centre of every dot found whole (not cut by its window, area in range).
    func locate(classes: UnsafeBufferPointer<UInt8>, width: Int, height: Int, dotClass: UInt8,
                world: inout [(x: Double, y: Double)], image: inout [(x: Double, y: Double)]) {
        let s = pixelsPerMillimetre
        let expectedArea = Double.pi * pow(radius * s, 2)
        for dot in dots where dot.count == 2 {
            let u = Double(width) / 2 + (dot[0] - centre[0]) * s
            let v = Double(height) / 2 - (dot[1] - centre[1]) * s
            let x0 = max(0, Int(u) - window), x1 = min(width, Int(u) + window)
            let y0 = max(0, Int(v) - window), y1 = min(height, Int(v) + window)
            guard x1 > x0, y1 > y0 else { continue }
            var n = 0.0, sx = 0.0, sy = 0.0
            var touchesEdge = false
            for y in y0..<y1 {
                for x in x0..<x1 where classes[y * width + x] == dotClass {
                    n += 1
                    sx += Double(x) + 0.5
                    sy += Double(y) + 0.5
                    if x == x0 || x == x1 - 1 || y == y0 || y == y1 - 1 { touchesEdge = true }
                }
            }
            // A dot cut by the window, partly hidden or missing is not used.
            guard !touchesEdge, areaShares.contains(n / expectedArea) else { continue }
            world.append((dot[0], dot[1]))
            image.append((sx / n, sy / n))
        }
    }
}
