import Enpire
@testable import EnpireHardware
import Foundation
import Testing

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
