import Enpire
@testable import EnpireHardware
import Foundation
import Testing

/// Small JPEGs that differ in colour, encoded once.
private let jpegs: [[UInt8]] = {
    let codec = try! JPEGCodec()
    return (0..<4).map { k in
        try! codec.encode(RGBImage(size: ImageSize(width: 32, height: 24), fill: (UInt8(40 * k), 90, 200)), quality: 80)
    }
}()
private let size = ImageSize(width: 32, height: 24)

/// Deadlines for tests that do not test deadlines: the full suite runs these threads on a heavily loaded 2-core
/// machine, where a server thread can be starved for seconds.
private let patient: MJPEGLimits = {
    var limits = MJPEGLimits()
    limits.readTimeoutSeconds = 20
    limits.partTimeoutSeconds = 20
    limits.connectTimeoutSeconds = 20
    return limits
}()

private func part(_ jpeg: [UInt8], boundary: String = "boundarydonotcross", length: Bool = true) -> [UInt8] {
    var head = "--\(boundary)\r\nContent-Type: image/jpeg\r\n"
    if length { head += "Content-Length: \(jpeg.count)\r\nX-Timestamp: 12.5\r\n" }
    return Array((head + "\r\n").utf8) + jpeg + Array("\r\n".utf8)
}

private let streamHead = "HTTP/1.0 200 OK\r\nServer: MJPG-Streamer/0.2\r\nCache-Control: no-store\r\n"
    + "Content-Type: multipart/x-mixed-replace;boundary=boundarydonotcross\r\n\r\n"

/// An in-memory byte source handing out `bytes` in small uneven pieces (so that every split is exercised),
/// then `tail` forever (hostile endless input) or the end of the stream.
private func reader(_ bytes: [UInt8], endless tail: [UInt8]? = nil) -> ByteReader {
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

private func parseAll(_ bytes: [UInt8], boundary: String = "boundarydonotcross",
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

private func expectError(_ expected: (MJPEGCameraError) -> Bool, _ body: () throws -> Void,
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

private func waitUntil(seconds: Double = 3, _ condition: () async throws -> Bool) async throws -> Bool {
    let start = ContinuousClock.now
    while (ContinuousClock.now - start).inSeconds < seconds {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return false
}

@Suite("MJPEG over HTTP: parser")
struct MJPEGParserTests {
    @Test func partsWithAndWithoutContentLengthAreSplitExactly() throws {
        let stream = part(jpegs[0]) + part(jpegs[1], length: false) + Array("\r\n".utf8) + part(jpegs[2])
            + Array("--boundarydonotcross--\r\n".utf8)
        #expect(try parseAll(stream) == [jpegs[0], jpegs[1], jpegs[2]])
    }

    @Test func quirkyServers() throws {
        // Boundary declared with a leading "--" (written with and without another "--"), LF-only lines, a preamble.
        var stream = Array("preamble text\n\n--myboundary\nContent-Type: image/jpeg\n\n".utf8) + jpegs[0]
        stream += Array("\n----myboundary\nContent-type: image/jpg\nContent-Length: \(jpegs[1].count)\n\n".utf8) + jpegs[1]
        #expect(try parseAll(stream, boundary: "--myboundary") == [jpegs[0], jpegs[1]])
        #expect(try MJPEGPartParser.boundary(contentType: "multipart/x-mixed-replace; boundary=\"123456789000000000000987654321\"")
            == "123456789000000000000987654321")
        #expect(try MJPEGPartParser.boundary(contentType: "Multipart/X-Mixed-Replace;Boundary=--myboundary") == "--myboundary")
    }

    @Test func contentTypesWithoutAStreamAreRefused() {
        expectError({ $0 == .notMultipart(contentType: "image/jpeg") }) { _ = try MJPEGPartParser.boundary(contentType: "image/jpeg") }
        expectError({ if case .missingBoundary = $0 { true } else { false } }) {
            _ = try MJPEGPartParser.boundary(contentType: "multipart/x-mixed-replace")
        }
        expectError({ if case .missingBoundary = $0 { true } else { false } }) {
            _ = try MJPEGPartParser.boundary(contentType: "multipart/x-mixed-replace; boundary=")
        }
    }

    @Test func malformedContentLengthIsNamed() {
        for bad in ["12abc", "-5", "", "0x10", "99999999999999999999"] {
            let stream = Array("--boundarydonotcross\r\nContent-Length: \(bad)\r\n\r\n".utf8) + jpegs[0]
            expectError({ $0 == .malformedContentLength(bad) }) { _ = try parseAll(stream) }
        }
    }

    @Test func declaredOversizedPartIsRefusedBeforeReading() {
        var limits = MJPEGLimits()
        limits.maximumPartBytes = 64 << 10
        let stream = Array("--boundarydonotcross\r\nContent-Length: 1000000000\r\n\r\n".utf8)
        let source = reader(stream, endless: [UInt8](repeating: 0x41, count: 4_096))
        let parser = MJPEGPartParser(reader: source, boundary: "boundarydonotcross", limits: limits)
        expectError({ $0 == .partTooLarge(limit: 64 << 10, declared: 1_000_000_000) }) { _ = try parser.nextPart() }
        #expect(source.bytesRead < 4_096 + stream.count)
    }

    @Test func endlessPartWithoutBoundaryStopsAtTheCap() {
        var limits = MJPEGLimits()
        limits.maximumPartBytes = 64 << 10
        let stream = Array("--boundarydonotcross\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + [0xFF, 0xD8]
        let source = reader(stream, endless: [UInt8](repeating: 0x41, count: 4_096))
        let parser = MJPEGPartParser(reader: source, boundary: "boundarydonotcross", limits: limits)
        expectError({ $0 == .partTooLarge(limit: 64 << 10, declared: nil) }) { _ = try parser.nextPart() }
        // Memory stays bounded: at most the cap plus one read.
        #expect(source.bytesRead <= (64 << 10) + 4_096 + stream.count)
    }

    @Test func endlessHeaderLineAndTooManyHeadersAreRefused() {
        var limits = MJPEGLimits()
        limits.maximumHeaderBytes = 1_024
        let endless = reader(Array("--boundarydonotcross\r\nX-Junk: ".utf8), endless: [UInt8](repeating: 0x61, count: 512))
        expectError({ if case .headerTooLong = $0 { true } else { false } }) {
            _ = try MJPEGPartParser(reader: endless, boundary: "boundarydonotcross", limits: limits).nextPart()
        }
        #expect(endless.bytesRead < 4_096)
        let many = reader(Array("--boundarydonotcross\r\n".utf8), endless: Array("X-A: b\r\n".utf8))
        expectError({ if case .headerTooLong = $0 { true } else { false } }) {
            _ = try MJPEGPartParser(reader: many, boundary: "boundarydonotcross", limits: limits).nextPart()
        }
        let head = reader(Array("HTTP/1.0 200 OK\r\n".utf8), endless: Array("Set-Cookie: x\r\n".utf8))
        expectError({ if case .headerTooLong = $0 { true } else { false } }) {
            _ = try HTTPResponseHead.read(from: head, limit: 1_024)
        }
    }

    @Test func wrongBoundaryIsMalformed() {
        var limits = MJPEGLimits()
        limits.maximumHeaderBytes = 1_024
        let stream = part(jpegs[0], boundary: "other") + part(jpegs[1], boundary: "other")
        let endless = reader(stream, endless: Array("--other\r\n\r\n".utf8))
        expectError({ if case .malformedBoundary(let m) = $0 { m.contains("--boundarydonotcross") } else { false } }) {
            _ = try MJPEGPartParser(reader: endless, boundary: "boundarydonotcross", limits: limits).nextPart()
        }
    }

    @Test func tornAndNonJPEGPartsAreNeverDelivered() {
        let torn = Array(part(jpegs[0]).prefix(60 + jpegs[0].count / 2))
        expectError({ if case .truncated = $0 { true } else { false } }) { _ = try parseAll(torn) }
        // Without Content-Length a part cut short by the next boundary is caught by its missing end marker.
        let cut = Array("--boundarydonotcross\r\n\r\n".utf8) + jpegs[0].prefix(100) + part(jpegs[1])
        expectError({ if case .notJPEG(let m) = $0 { m.contains("FF D9") } else { false } }) { _ = try parseAll(cut) }
        let html = Array("--boundarydonotcross\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello".utf8)
        expectError({ if case .notJPEG = $0 { true } else { false } }) { _ = try parseAll(html) }
        let garbage = Array("--boundarydonotcross\r\nContent-Length: 5\r\n\r\nhello".utf8)
        expectError({ if case .notJPEG(let m) = $0 { m.contains("FF D8") } else { false } }) { _ = try parseAll(garbage) }
    }

    @Test func chunkedEncodingIsDecodedAndBadChunksAreNamed() throws {
        let body = part(jpegs[0]) + part(jpegs[1])
        var chunked: [UInt8] = []
        var offset = 0
        for size in [1, 300, 17, 5_000] where offset < body.count {
            let end = min(body.count, offset + size)
            chunked += Array((String(end - offset, radix: 16) + ";ext=1\r\n").utf8) + body[offset..<end] + Array("\r\n".utf8)
            offset = end
        }
        if offset < body.count {
            chunked += Array((String(body.count - offset, radix: 16) + "\r\n").utf8) + body[offset...] + Array("\r\n".utf8)
        }
        chunked += Array("0\r\n\r\n".utf8)
        let decoded = ByteReader(source: chunkedSource(reader(chunked), limit: 1 << 20))
        let parser = MJPEGPartParser(reader: decoded, boundary: "boundarydonotcross", limits: MJPEGLimits())
        #expect(try parser.nextPart() == jpegs[0])
        #expect(try parser.nextPart() == jpegs[1])
        let bad = ByteReader(source: chunkedSource(reader(Array("zz\r\nabc".utf8)), limit: 1 << 20))
        expectError({ if case .malformedResponse(let m) = $0 { m.contains("chunk size") } else { false } }) {
            _ = try bad.readLine(limit: 100, what: "x")
        }
        let huge = ByteReader(source: chunkedSource(reader(Array("7fffffff\r\n".utf8)), limit: 1 << 20))
        expectError({ $0 == .partTooLarge(limit: 1 << 20, declared: 0x7fff_ffff) }) { _ = try huge.readLine(limit: 100, what: "x") }
    }

    @Test func urlsAreCheckedAndCredentialsBecomeBasicAuthentication() throws {
        let endpoint = try HTTPEndpoint(url: "http://admin:s%20cret@127.0.0.1:8080/?action=stream")
        #expect(endpoint.port == 8080 && endpoint.target == "/?action=stream")
        #expect(endpoint.authorization == "Basic " + Data("admin:s cret".utf8).base64EncodedString())
        expectError({ if case .invalidURL(_, let reason) = $0 { reason.contains("https") } else { false } }) {
            _ = try HTTPEndpoint(url: "https://camera.local/stream")
        }
        expectError({ if case .invalidURL = $0 { true } else { false } }) { _ = try HTTPEndpoint(url: "camera") }
    }
}

@Suite("MJPEG over HTTP: camera against a loopback server")
struct MJPEGCameraTests {
    @Test func streamDeliversTheNewestPartByteForByte() async throws {
        let server = try LoopbackHTTPServer { connection in
            connection.send(streamHead)
            for k in 0..<3 {
                guard connection.send(part(jpegs[k])) else { return }
                usleep(20_000)
            }
            // Keep sending the last frame so it stays fresh, until the camera hangs up (at most 30 s).
            for _ in 0..<1_500 where connection.send(part(jpegs[2])) { usleep(20_000) }
        }
        defer { server.stop() }
        let camera = try MJPEGCamera(name: "ip", url: server.url + "/?action=stream", resolution: size, limits: patient,
                                     maximumFrameAgeSeconds: 10, firstFrameTimeoutSeconds: 30)
        defer { Task { await camera.stop() } }
        var seen: Set<[UInt8]> = []
        var names: Set<String> = []
        var decoded = 0
        let reached = try await waitUntil(seconds: 30) {
            let frame = try await camera.latestFrame()
            names.insert(frame.cameraName)
            if frame.image != nil { decoded += 1 }
            seen.insert(frame.jpeg ?? [])
            return frame.jpeg == jpegs[2]
        }
        #expect(reached && names == ["ip"] && decoded == 0)
        #expect(seen.isSubset(of: Set(jpegs)))
        // (No exact connection count: in the full suite the cooperative pool that runs this loop can be starved for
        // longer than the server streams, which then hangs up and the camera reconnects, as it should.)
        let statistics = await camera.statistics
        #expect(statistics.framesReceived >= 3 && statistics.connections >= 1, "\(statistics)")
    }

    @Test func esp32StyleChunkedStream() async throws {
        let boundary = "123456789000000000000987654321"
        let server = try LoopbackHTTPServer { connection in
            #expect(connection.request.hasPrefix("GET /stream HTTP/1.1\r\n"))
            connection.send("HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=\(boundary)\r\n"
                + "Transfer-Encoding: chunked\r\nAccess-Control-Allow-Origin: *\r\n\r\n")
            for k in 0..<1_500 {   // until the camera hangs up (at most 30 s)
                // One chunk for the boundary and headers, one for the JPEG, as esp32-camera's example does.
                let bytes = part(jpegs[k % 2], boundary: boundary)
                let head = bytes.prefix(bytes.count - jpegs[k % 2].count - 2)
                let rest = bytes.suffix(jpegs[k % 2].count + 2)
                for chunk in [Array(head), Array(rest)] {
                    guard connection.send(Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8))
                    else { return }
                }
                usleep(20_000)
            }
        }
        defer { server.stop() }
        let camera = try MJPEGCamera(name: "esp32", url: server.url + "/stream", resolution: size, limits: patient,
                                     maximumFrameAgeSeconds: 10, firstFrameTimeoutSeconds: 30)
        var seen: Set<[UInt8]> = []
        // Both JPEGs alternate on the wire: four whole frames received means both were parsed; what latestFrame
        // returns is one of them, byte for byte.
        #expect(try await waitUntil(seconds: 60) {
            seen.insert(try await camera.latestFrame().jpeg ?? [])
            return await camera.statistics.framesReceived >= 4
        })
        #expect(!seen.isEmpty && seen.isSubset(of: [jpegs[0], jpegs[1]]))
        await camera.stop()
    }

    @Test func snapshotURLs() async throws {
        let server = try LoopbackHTTPServer { connection in
            switch connection.index {
            case 0: connection.send("HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpegs[3].count)\r\n\r\n")
                connection.send(jpegs[3])
            case 1: connection.send("HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\n\r\n")   // ends at close
                connection.send(jpegs[1])
            case 2: connection.send("HTTP/1.0 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
            default:
                #expect(connection.request.contains("Authorization: Basic " + Data("u:p".utf8).base64EncodedString()))
                connection.send("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
            }
        }
        defer { server.stop() }
        let camera = try MJPEGCamera(name: "snap", url: server.url.replacingOccurrences(of: "://", with: "://u:p@")
                                     + "/?action=snapshot", resolution: size, source: .snapshot, limits: patient)
        #expect(try await camera.latestFrame().jpeg == jpegs[3])
        #expect(try await camera.latestFrame().jpeg == jpegs[1])
        await #expect(throws: MJPEGCameraError.httpStatus(401, reason: "Unauthorized")) { try await camera.latestFrame() }
        do {
            _ = try await camera.latestFrame()
            Issue.record("an HTML answer gave a frame")
        } catch let error as MJPEGCameraError {
            #expect(error.description.contains("text/html"))
        }
        let statistics = await camera.statistics
        #expect(statistics.framesReceived == 2 && statistics.failures == 2)
        #expect(MJPEGCameraError.httpStatus(401, reason: "Unauthorized").description.contains("user:password@"))
    }

    @Test func tornStreamReconnectsAndNeverDeliversATornFrame() async throws {
        let server = try LoopbackHTTPServer { connection in
            connection.send(streamHead)
            if connection.index == 0 {
                connection.send(part(jpegs[0]))
                usleep(50_000)
                connection.send(Array(part(jpegs[1]).prefix(200)))   // torn: the server dies mid-part
                return
            }
            for _ in 0..<1_500 where connection.send(part(jpegs[2])) { usleep(20_000) }
        }
        defer { server.stop() }
        let camera = try MJPEGCamera(name: "torn", url: server.url + "/", resolution: size, limits: patient,
                                     reconnect: MJPEGReconnectPolicy(initialDelaySeconds: 0.05),
                                     maximumFrameAgeSeconds: 10, firstFrameTimeoutSeconds: 30)
        var seen: Set<[UInt8]> = []
        #expect(try await waitUntil(seconds: 30) {
            seen.insert(try await camera.latestFrame().jpeg ?? [])
            return seen.contains(jpegs[2])
        })
        #expect(seen.isSubset(of: [jpegs[0], jpegs[2]]))
        let statistics = await camera.statistics
        #expect(statistics.connections >= 2 && statistics.failures >= 1)
        if case .truncated = statistics.lastError {} else { Issue.record("last error \(String(describing: statistics.lastError))") }
        await camera.stop()
        await #expect(throws: MJPEGCameraError.stopped(camera: "torn")) { try await camera.latestFrame() }
    }

    @Test func stalledServerMakesTheFrameStaleThenTheCameraGivesUp() async throws {
        let server = try LoopbackHTTPServer { connection in
            connection.send(streamHead)
            if connection.index == 0 { connection.send(part(jpegs[0])) }
            usleep(15_000_000)   // stall (bounded)
        }
        defer { server.stop() }
        var limits = MJPEGLimits()
        limits.readTimeoutSeconds = 1
        // A camera that never gives up: its only frame (connection 0) turns stale after 1 s and stays stale.
        let stale = try MJPEGCamera(name: "stale", url: server.url + "/", resolution: size, limits: limits,
                                    reconnect: MJPEGReconnectPolicy(initialDelaySeconds: 1),
                                    maximumFrameAgeSeconds: 1, firstFrameTimeoutSeconds: 60)
        var frames: Set<[UInt8]> = []
        var staleMessage: String?
        #expect(try await waitUntil(seconds: 60) {
            do { frames.insert(try await stale.latestFrame().jpeg ?? []) } catch let error as MJPEGCameraError {
                if case .staleFrame = error { staleMessage = error.description }
            }
            return staleMessage != nil
        })
        await stale.stop()
        #expect(frames.isSubset(of: [jpegs[0]]))
        #expect(staleMessage?.contains("newest frame is") == true)
        // A camera that gives up after two connections that deliver nothing (every later connection stalls).
        let giving = try MJPEGCamera(name: "stall", url: server.url + "/", resolution: size, limits: limits,
                                     reconnect: MJPEGReconnectPolicy(initialDelaySeconds: 0.1, maximumConsecutiveFailures: 2),
                                     firstFrameTimeoutSeconds: 60)
        do {
            _ = try await giving.latestFrame()
            Issue.record("a stalled stream gave a frame")
        } catch let error as MJPEGCameraError {
            #expect(error.description.contains("gave up after 2") && error.description.contains("sent nothing in time"),
                    "\(error)")
        }
    }

    @Test func unreachableAndMismatchedCamerasGiveClearErrors() async throws {
        let closed = try LoopbackHTTPServer { _ in }
        let url = closed.url
        closed.stop()
        let unreachable = try MJPEGCamera(name: "gone", url: url + "/", resolution: size,
                                          reconnect: MJPEGReconnectPolicy(initialDelaySeconds: 0.01, maximumConsecutiveFailures: 2),
                                          firstFrameTimeoutSeconds: 60)
        do {
            _ = try await unreachable.latestFrame()
            Issue.record("no error")
        } catch let error as MJPEGCameraError {
            #expect(error.description.contains("gave up") && error.description.contains("cannot connect to 127.0.0.1"))
        }
        let server = try LoopbackHTTPServer { connection in
            connection.send(streamHead)
            for _ in 0..<1_500 where connection.send(part(jpegs[0])) { usleep(20_000) }
        }
        defer { server.stop() }
        let wrongSize = try MJPEGCamera(name: "vga", url: server.url + "/", resolution: ImageSize(width: 640, height: 480),
                                        limits: patient, reconnect: MJPEGReconnectPolicy(maximumConsecutiveFailures: 1),
                                        firstFrameTimeoutSeconds: 30)
        do {
            _ = try await wrongSize.latestFrame()
            Issue.record("no error")
        } catch let error as MJPEGCameraError {
            #expect(error.description.contains("sends 32x24 frames but 640x480 was configured"))
        }
        #expect(throws: MJPEGCameraError.self) {
            _ = try MJPEGCamera(name: "x", url: "http://127.0.0.1/", resolution: size, limits: { var l = MJPEGLimits(); l.maximumPartBytes = 10; return l }())
        }
    }
}
