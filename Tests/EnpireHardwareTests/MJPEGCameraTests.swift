import Enpire
import EnpireTesting
@testable import EnpireHardware
import Foundation
import Testing

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
        let server = try LoopbackHTTPServer(path: "/stream") { connection in
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
        let server = try LoopbackHTTPServer(path: "/?action=snapshot") { connection in
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
        let server = try LoopbackHTTPServer(path: "/") { connection in
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
        let server = try LoopbackHTTPServer(path: "/") { connection in
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
        // A bound socket that does not listen: connections to its port are refused, and while it is held no other
        // test's server is given the port (a stopped server's port could be, and this camera would then find it).
        let (placeholder, port) = try LoopbackSocket.bind()
        defer { close(placeholder) }
        let unreachable = try MJPEGCamera(name: "gone", url: "http://127.0.0.1:\(port)/", resolution: size,
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
