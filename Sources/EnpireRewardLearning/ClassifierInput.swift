public import Enpire
public import EnpireReward

/// How a camera frame becomes the classifier's input: the region of interest of a frame of ``resolution``,
/// box-averaged down to ``side`` × ``side`` pixels, as NCHW floats in [-0.5, 0.5].
///
/// Box averaging (every source pixel of the crop counted once) keeps the small network's input smooth under the
/// sensor noise of a camera; the crop lets a task point the network at the part of the scene that decides
/// success (Push-T's goal marking, a hole, a cut).
public struct ClassifierInput: Sendable, Codable, Equatable {
    /// Size every frame must have.
    public var resolution: ImageSize
    /// The crop of the frame the network sees (pixels of a ``resolution`` frame).
    public var region: RegionOfInterest
    /// Side of the square input in pixels.
    public var side: Int

    /// Creates an input description; the region is clipped to the resolution.
    ///
    /// - Throws: ``ClassifierError/badRecipe(_:)`` when the clipped region is empty, smaller than the input, or
    ///   the side is outside 8...256.
    public init(resolution: ImageSize, region: RegionOfInterest? = nil, side: Int = 64) throws(ClassifierError) {
        let clipped = (region ?? .whole(resolution)).clipped(to: resolution)
        guard (8...256).contains(side) else { throw .badRecipe("input side \(side) is outside 8...256") }
        guard clipped.width >= side, clipped.height >= side else {
            throw .badRecipe("the crop \(clipped.width)x\(clipped.height) of a \(resolution.width)x\(resolution.height) "
                + "frame is smaller than the \(side)x\(side) input; widen the region or lower the input size")
        }
        self.resolution = resolution
        self.region = clipped
        self.side = side
    }

    /// Floats per example (`3 · side · side`).
    public var featureCount: Int { 3 * side * side }

    /// Writes `image`'s crop into `output` (``featureCount`` floats, NCHW).
    ///
    /// - Throws: ``ClassifierError/badImage(_:)`` when the image is not ``resolution`` or its pixel buffer is
    ///   inconsistent.
    public func fill(_ image: RGBImage, into output: UnsafeMutablePointer<Float>) throws(ClassifierError) {
        guard image.isConsistent, image.size == resolution else {
            throw .badImage("the frame is \(image.size.width)x\(image.size.height) but the classifier was trained "
                + "on \(resolution.width)x\(resolution.height) frames")
        }
        fill(image, origin: (region.x, region.y), into: output)
    }

    /// Writes the input from `window`, the pixels of ``region`` alone (what a camera reward decodes of a JPEG
    /// frame), into `output`: the same floats as ``fill(_:into:)`` on the whole frame.
    ///
    /// - Throws: ``ClassifierError/badImage(_:)`` when the image is not the region's size or its pixel buffer is
    ///   inconsistent.
    public func fill(window: RGBImage, into output: UnsafeMutablePointer<Float>) throws(ClassifierError) {
        guard window.isConsistent, window.size == ImageSize(width: region.width, height: region.height) else {
            throw .badImage("the window is \(window.size.width)x\(window.size.height) but the classifier's region is "
                + "\(region.width)x\(region.height)")
        }
        fill(window, origin: (0, 0), into: output)
    }

    /// The box averages of the region, whose top-left pixel is at `origin` of `image`.
    private func fill(_ image: RGBImage, origin: (x: Int, y: Int), into output: UnsafeMutablePointer<Float>) {
        let plane = side * side, width = image.size.width, span = region.width * 3
        image.pixels.withUnsafeBufferPointer { pixels in
            // Separable sums: each output row's band of source rows is first added up per column (a contiguous
            // pass over bytes), then each output pixel adds its columns' sums. The integer sums, and so the floats,
            // are the same as adding every pixel of every box directly. UInt32 cannot wrap: a box is at most
            // 1/64 of the frame (the side is at least 8), so its sum stays below 2^32 for any frame under a
            // billion pixels.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: span) { sums in
                for oy in 0..<side {
                    let y0 = oy * region.height / side, y1 = (oy + 1) * region.height / side
                    sums.initialize(repeating: 0)
                    for y in y0..<y1 {
                        let row = pixels.baseAddress! + ((origin.y + y) * width + origin.x) * 3
                        for index in 0..<span { sums[index] &+= UInt32(row[index]) }
                    }
                    for ox in 0..<side {
                        let x0 = ox * region.width / side, x1 = (ox + 1) * region.width / side
                        var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                        for x in x0..<x1 {
                            r &+= sums[3 * x]; g &+= sums[3 * x + 1]; b &+= sums[3 * x + 2]
                        }
                        let scale = 1 / (255 * Float((y1 - y0) * (x1 - x0)))
                        let at = oy * side + ox
                        output[at] = Float(r) * scale - 0.5
                        output[plane + at] = Float(g) * scale - 0.5
                        output[2 * plane + at] = Float(b) * scale - 0.5
                    }
                }
            }
        }
    }

    /// The crop of `image` as a new array of ``featureCount`` floats.
    public func features(of image: RGBImage) throws(ClassifierError) -> [Float] {
        var values = [Float](repeating: 0, count: featureCount)
        try values.withUnsafeMutableBufferPointer { buffer throws(ClassifierError) in
            try fill(image, into: buffer.baseAddress!)
        }
        return values
    }
}
