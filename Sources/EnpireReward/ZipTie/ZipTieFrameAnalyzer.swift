public import Enpire
import Foundation

/// Looks for a cut at the mark in one zip-tie camera frame: classifies tie (yellow to red), mark (red) and tool
/// (blue gripper and cutter body, dark jaws and clamp) pixels, splits the tie pixels into 4-connected pieces, and reports
/// how many sizeable pieces carry part of the mark, how far apart their mark pixels are, and whether a tool lies
/// over the gap.
///
/// Not thread-safe (it owns scratch buffers sized for the model's resolution, reused: steady state allocates
/// nothing); a verifier keeps one per camera behind a lock.
public final class ZipTieFrameAnalyzer {
    /// The model whose cameras this analyzer measures.
    public let model: ZipTieVerifierModel
    private var classes: [UInt8] = []
    private var labels: [Int32] = []
    private var parent: [Int32] = []
    private var area: [Int32] = []
    private var markCount: [Int32] = []
    private var pointsA: [Int32] = []
    private var pointsB: [Int32] = []

    private enum PixelClass {
        static let other: UInt8 = 0
        static let tie: UInt8 = 1
        static let mark: UInt8 = 2
        static let tool: UInt8 = 3
    }

    /// Largest number of mark pixels per piece kept for the gap measurement.
    private static let maxMarkPoints = 4096

    /// Creates an analyzer for `model`.
    public init(model: ZipTieVerifierModel = ZipTieVerifierModel()) {
        self.model = model
        let count = model.resolution.width * model.resolution.height
        classes = [UInt8](repeating: 0, count: count)
        labels = [Int32](repeating: -1, count: count)
        parent = [Int32](repeating: 0, count: count / 2 + 2)
        area = [Int32](repeating: 0, count: count / 2 + 2)
        markCount = [Int32](repeating: 0, count: count / 2 + 2)
        pointsA = [Int32](repeating: 0, count: 2 * Self.maxMarkPoints)
        pointsB = [Int32](repeating: 0, count: 2 * Self.maxMarkPoints)
    }

    /// Measures `image` (which must have the model's resolution).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the size is wrong or too little of the tie or its mark is
    ///   visible to judge.
    public func measure(_ image: RGBImage) throws(RewardError) -> ZipTieCutMeasurement {
        let width = image.size.width, height = image.size.height
        guard image.size == model.resolution, image.pixels.count == width * height * 3 else {
            throw .badFrame("frame is \(image.size) but the zip-tie verifier expects \(model.resolution)")
        }
        let (tiePixels, markPixels) = classify(image)
        guard tiePixels >= model.minimumTiePixels else {
            throw .badFrame("only \(tiePixels) tie pixels visible (need \(model.minimumTiePixels)); check the view")
        }
        guard markPixels >= model.minimumMarkPixels else {
            throw .badFrame("the cut mark is not visible (\(markPixels) pixels); is a tool over it?")
        }
        let componentCount = label(width: width, height: height)
        // Sizeable pieces, and the two carrying most of the mark.
        var pieces = 0
        var first = -1, second = -1
        let minimumArea = Int32(model.minimumPieceShare * Double(tiePixels))
        let minimumMark = Int32(model.minimumMarkShare * Double(markPixels))
        for root in 0..<componentCount where parent[root] == Int32(root) && area[root] >= minimumArea {
            pieces += 1
            guard markCount[root] >= minimumMark else { continue }
            if first < 0 || markCount[root] > markCount[first] {
                second = first
                first = root
            } else if second < 0 || markCount[root] > markCount[second] {
                second = root
            }
        }
        let piecesWithMark = first < 0 ? 0 : (second < 0 ? 1 : 2)
        guard piecesWithMark == 2 else {
            return ZipTieCutMeasurement(tiePixels: tiePixels, markPixels: markPixels, pieces: pieces,
                                        piecesWithMark: piecesWithMark, gapPixels: 0, occludingPixels: 0)
        }
        let (gap, midX, midY) = nearestMarkPair(first: Int32(first), second: Int32(second), width: width,
                                                height: height)
        let radius = gap / 2 + model.occlusionMarginPixels
        var occluding = 0
        classes.withUnsafeBufferPointer { classes in
            let x0 = max(0, Int(midX - radius)), x1 = min(width - 1, Int(midX + radius))
            let y0 = max(0, Int(midY - radius)), y1 = min(height - 1, Int(midY + radius))
            guard x1 >= x0, y1 >= y0 else { return }
            for y in y0...y1 {
                for x in x0...x1 where classes[y * width + x] == PixelClass.tool {
                    let dx = Double(x) + 0.5 - midX, dy = Double(y) + 0.5 - midY
                    if dx * dx + dy * dy <= radius * radius { occluding += 1 }
                }
            }
        }
        // A few stray dark pixels are sensor noise, not a tool.
        if occluding < 6 { occluding = 0 }
        return ZipTieCutMeasurement(tiePixels: tiePixels, markPixels: markPixels, pieces: pieces,
                                    piecesWithMark: 2, gapPixels: gap, occludingPixels: occluding)
    }

    private func classify(_ image: RGBImage) -> (tie: Int, mark: Int) {
        let count = image.size.width * image.size.height
        var tie = 0, mark = 0
        image.pixels.withUnsafeBufferPointer { p in
            classes.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let r = Int(p[3 * i]), g = Int(p[3 * i + 1]), b = Int(p[3 * i + 2])
                    var result = PixelClass.other
                    let high = max(r, g)
                    // Warm and saturated (red to yellow, allowing a colour cast that tips yellow towards green).
                    if high - b >= 70, 4 * r >= 3 * g, g + 12 >= b, (high - min(g, b)) * 100 >= 40 * high {
                        if (g - b) * 100 <= 35 * (r - b) {
                            result = PixelClass.mark
                            mark += 1
                        } else {
                            result = PixelClass.tie
                        }
                        tie += 1
                    } else if b > r + 70 || max(r, g, b) < 90 {
                        result = PixelClass.tool
                    }
                    out[i] = result
                }
            }
        }
        return (tie, mark)
    }

    /// Labels 4-connected tie pixels (mark included) with union-find; returns the number of provisional labels,
    /// with `parent[root] == root`, `area` and `markCount` filled for roots.
    private func label(width: Int, height: Int) -> Int {
        var next: Int32 = 0
        let capacity = parent.count
        classes.withUnsafeBufferPointer { classes in
            labels.withUnsafeMutableBufferPointer { labels in
                parent.withUnsafeMutableBufferPointer { parent in
                    func find(_ x: Int32) -> Int32 {
                        var root = x
                        while parent[Int(root)] != root { root = parent[Int(root)] }
                        var node = x
                        while parent[Int(node)] != root {
                            let up = parent[Int(node)]
                            parent[Int(node)] = root
                            node = up
                        }
                        return root
                    }
                    for y in 0..<height {
                        for x in 0..<width {
                            let i = y * width + x
                            guard classes[i] == PixelClass.tie || classes[i] == PixelClass.mark else {
                                labels[i] = -1
                                continue
                            }
                            let left: Int32 = x > 0 ? labels[i - 1] : -1
                            let up: Int32 = y > 0 ? labels[i - width] : -1
                            if left < 0, up < 0 {
                                guard Int(next) < capacity else { labels[i] = -1; continue }
                                parent[Int(next)] = next
                                labels[i] = next
                                next += 1
                            } else if left >= 0, up >= 0 {
                                let a = find(left), b = find(up)
                                if a != b { parent[Int(max(a, b))] = min(a, b) }
                                labels[i] = min(a, b)
                            } else {
                                labels[i] = max(left, up)
                            }
                        }
                    }
                    area.withUnsafeMutableBufferPointer { area in
                        markCount.withUnsafeMutableBufferPointer { marks in
                            for k in 0..<Int(next) {
                                area[k] = 0
                                marks[k] = 0
                            }
                            for i in 0..<(width * height) where labels[i] >= 0 {
                                let root = find(labels[i])
                                labels[i] = root
                                area[Int(root)] += 1
                                if classes[i] == PixelClass.mark { marks[Int(root)] += 1 }
                            }
                        }
                    }
                }
            }
        }
        return Int(next)
    }

    /// Smallest distance between mark pixels of the two pieces, and its midpoint.
    private func nearestMarkPair(first: Int32, second: Int32, width: Int, height: Int)
        -> (Double, Double, Double) {
        var countA = 0, countB = 0
        let limit = Self.maxMarkPoints
        classes.withUnsafeBufferPointer { classes in
            labels.withUnsafeBufferPointer { labels in
                pointsA.withUnsafeMutableBufferPointer { a in
                    pointsB.withUnsafeMutableBufferPointer { b in
                        for i in 0..<(width * height) where classes[i] == PixelClass.mark {
                            if labels[i] == first, countA < limit {
                                a[2 * countA] = Int32(i % width)
                                a[2 * countA + 1] = Int32(i / width)
                                countA += 1
                            } else if labels[i] == second, countB < limit {
                                b[2 * countB] = Int32(i % width)
                                b[2 * countB + 1] = Int32(i / width)
                                countB += 1
                            }
                        }
                    }
                }
            }
        }
        var best = Int.max, bestA = 0, bestB = 0
        pointsA.withUnsafeBufferPointer { a in
            pointsB.withUnsafeBufferPointer { b in
                for i in 0..<countA {
                    let ax = Int(a[2 * i]), ay = Int(a[2 * i + 1])
                    for j in 0..<countB {
                        let dx = ax - Int(b[2 * j]), dy = ay - Int(b[2 * j + 1])
                        let d = dx * dx + dy * dy
                        if d < best { best = d; bestA = i; bestB = j }
                    }
                }
            }
        }
        guard countA > 0, countB > 0 else { return (0, 0, 0) }
        let midX = (Double(pointsA[2 * bestA] + pointsB[2 * bestB]) + 1) / 2
        let midY = (Double(pointsA[2 * bestA + 1] + pointsB[2 * bestB + 1]) + 1) / 2
        return (Double(best).squareRoot(), midX, midY)
    }
}
