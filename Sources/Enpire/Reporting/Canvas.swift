/// A minimal raster canvas for report figures: filled rectangles, thick lines and bitmap text.
struct Canvas {
    var image: RGBImage

    init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        image = RGBImage(size: ImageSize(width: width, height: height), fill: background)
    }

    var width: Int { image.size.width }
    var height: Int { image.size.height }

    mutating func setPixel(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        image.pixels[i] = color.0
        image.pixels[i + 1] = color.1
        image.pixels[i + 2] = color.2
    }

    mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { setPixel(xx, yy, color) }
        }
    }

    /// Draws a line of the given thickness by stamping squares along a DDA walk.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, thickness: Int,
                       _ color: (UInt8, UInt8, UInt8)) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        let half = thickness / 2
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded())
            let y = Int((y0 + (y1 - y0) * t).rounded())
            fillRect(x: x - half, y: y - half, width: thickness, height: thickness, color)
        }
    }

    /// Width in pixels of `text` at `scale`.
    static func textWidth(_ text: String, scale: Int) -> Int {
        text.count * (BitmapFont.glyphWidth + 1) * scale
    }

    mutating func text(_ string: String, x: Int, y: Int, scale: Int = 1, _ color: (UInt8, UInt8, UInt8)) {
        Self.forEachGlyphPixel(string, scale: scale) { advance, row, column in
            fillRect(x: x + advance + column * scale, y: y + row * scale, width: scale, height: scale, color)
        }
    }

    /// Draws text rotated 90° counter-clockwise (for a y-axis label), reading bottom to top.
    mutating func verticalText(_ string: String, x: Int, y: Int, scale: Int = 1, _ color: (UInt8, UInt8, UInt8)) {
        Self.forEachGlyphPixel(string, scale: scale) { advance, row, column in
            fillRect(x: x + row * scale, y: y - advance - column * scale, width: scale, height: scale, color)
        }
    }

    /// Calls `body` for every lit pixel of `string` in the bitmap font: how far along the line its glyph starts
    /// (in pixels at `scale`), and its glyph row and column.
    private static func forEachGlyphPixel(_ string: String, scale: Int,
                                          _ body: (_ advance: Int, _ row: Int, _ column: Int) -> Void) {
        for (index, character) in string.enumerated() {
            let advance = index * (BitmapFont.glyphWidth + 1) * scale
            for (row, bits) in BitmapFont.rows(for: character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    body(advance, row, column)
                }
            }
        }
    }
}
