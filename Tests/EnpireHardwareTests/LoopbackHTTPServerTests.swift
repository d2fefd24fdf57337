@testable import EnpireHardware
import Foundation
import Testing

@Suite("Loopback HTTP server used by the camera tests")
struct LoopbackHTTPServerTests {
    /// A server stopped right after it was made must never take a connection meant for the server made after it
    /// (its accept thread may start after the stop, when the listener's descriptor number already names the next
    /// server's listener): each answer comes whole from the server that was asked, never a reset.
    @Test func aStoppedServerNeverTakesTheNextServersConnections() throws {
        for round in 0..<200 {
            let stopped = try LoopbackHTTPServer { connection in connection.send("HTTP/1.0 500 Wrong server\r\n\r\n") }
            stopped.stop()
            let server = try LoopbackHTTPServer { connection in
                connection.send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
            }
            defer { server.stop() }
            let endpoint = try HTTPEndpoint(url: server.url + "/")
            let deadline = Date().addingTimeInterval(20)
            let socket = try HTTPSocket.connect(to: endpoint, timeoutSeconds: 20)
            defer { socket.close() }
            try socket.send(endpoint.request, deadline: deadline)
            var answer: [UInt8] = []
            while true {
                let bytes = try socket.read(maximum: 4_096, deadline: deadline)
                if bytes.isEmpty { break }
                answer += bytes
            }
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.0 200 OK") && text.hasSuffix("ok"), "round \(round): \(text)")
            if !text.hasSuffix("ok") { return }
        }
    }
}
