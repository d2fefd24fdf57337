import Enpire
@testable import EnpireHardware
import Foundation
import Testing

// Fixtures shared by the MJPEG parser and camera tests.

/// Small JPEGs that differ in colour, encoded once.
let jpegs: [[UInt8]] = {
    let codec = try! JPEGCodec()
    return (0..<4).map { k in
        try! codec.encode(RGBImage(size: ImageSize(width: 32, height: 24), fill: (UInt8(40 * k), 90, 200)), quality: 80)
    }
}()
let size = ImageSize(width: 32, height: 24)

/// Deadlines for tests that do not test deadlines: the full suite runs these threads on a heavily loaded 2-core
/// machine, where a server thread can be starved for seconds.
let patient: MJPEGLimits = {
    var limits = MJPEGLimits()
    limits.readTimeoutSeconds = 20
    limits.partTimeoutSeconds = 20
    limits.connectTimeoutSeconds = 20
    return limits
}()

func part(_ jpeg: [UInt8], boundary: String = "boundarydonotcross", length: Bool = true) -> [UInt8] {
    var head = "--\(boundary)\r\nContent-Type: image/jpeg\r\n"
    if length { head += "Content-Length: \(jpeg.count)\r\nX-Timestamp: 12.5\r\n" }
    return Array((head + "\r\n").utf8) + jpeg + Array("\r\n".utf8)
}

let streamHead = "HTTP/1.0 200 OK\r\nServer: MJPG-Streamer/0.2\r\nCache-Control: no-store\r\n"
    + "Content-Type: multipart/x-mixed-replace;boundary=boundarydonotcross\r\n\r\n"

/// An in-memory byte source handing out `bytes` in small uneven pieces (so that every split is exercised),
/// then `tail` forever (hostile endless input) or the end of the stream.
func reader(_ bytes: [UInt8], endless tail: [UInt8]? = nil) -> ByteReader {
    var offset = 0
    var piece = 0
    return ByteReader { () -> [UInt8] in
        piece = piece % 7 + 1
        if offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
        return tail ?? []
    }
}

func parseAll(_ bytes: [UInt8], boundary: String = "boundarydonotcross",
                      limits: MJPEGLimits = MJPEGLimits()) throws(MJPEGCameraError) -> [[UInt8]] {
    let parser = MJPEGPartParser(reader: reader(bytes), boundary: boundary, limits: limits)
    var parts: [[UInt8]] = []
    while true {
        do throws(MJPEGCameraError) { parts.append(try parser.nextPart()) } catch {
            if case .streamEnded = error { return parts }
            if case .truncated(_, let received) = error, received == 0 { return parts }
            throw error
        }
    }
}

func expectError(_ expected: (MJPEGCameraError) -> Bool, _ body: () throws -> Void,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("no error thrown", sourceLocation: sourceLocation)
    } catch let error as MJPEGCameraError {
        #expect(expected(error), "got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Polls `condition` every 10 ms for `seconds`, and once more after the deadline: in the full suite the
/// cooperative pool that runs this loop can be starved for longer than the whole wait, and a loop that gave up
/// without looking again would report a failure the camera never had.
func waitUntil(seconds: Double = 3, _ condition: () async throws -> Bool) async throws -> Bool {
    let start = ContinuousClock.now
    while (ContinuousClock.now - start).inSeconds < seconds {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
