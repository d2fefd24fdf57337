#if canImport(Glibc)
import Glibc
#endif
import EnpireTesting
import Foundation
import Synchronization

/// A scripted HTTP server on 127.0.0.1 (an ephemeral port) for camera tests: each accepted connection reads
/// the request head and runs the handler with the connection's index. With `path`, only requests for that path
/// are numbered and handled; others are closed unanswered (a camera of an earlier test, still reconnecting to the
/// port this server was given after it, must not shift a script that counts connections). Stops (shuts the listener
/// and every open connection down) on ``stop()``; connections are bounded by the handlers, which send a finite script.
final class LoopbackHTTPServer: Sendable {
    final class Connection: Sendable {
        let fd: Int32
        let index: Int
        let request: String
        init(fd: Int32, index: Int, request: String) {
            self.fd = fd
            self.index = index
            self.request = request
        }

        /// Sends bytes; false once the peer is gone.
        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }

        @discardableResult
        func send(_ text: String) -> Bool { send(Array(text.utf8)) }
    }

    let port: UInt16
    private let listener: Int32
    private let open = Mutex<(stopped: Bool, fds: [Int32], accepted: Int)>((false, [], 0))

    init(path: String? = nil, handler: @escaping @Sendable (Connection) -> Void) throws {
        let (fd, port) = try LoopbackSocket.bind(listening: 16, reuseAddress: true)
        self.port = port
        listener = fd
        let thread = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    // Only this thread closes the listener: had `stop()` closed it, a thread that had not yet
                    // called accept could call it on the same descriptor number, reused by the next test's server,
                    // and take (and reset) that server's first connection.
                    close(fd)
                    return
                }
                let registered = open.withLock { state -> Bool in
                    guard !state.stopped else { return false }
                    state.fds.append(client)
                    return true
                }
                guard registered else {
                    close(client)
                    close(fd)
                    return
                }
                let worker = Thread {
                    var head: [UInt8] = []
                    var byte: UInt8 = 0
                    while head.count < 8_192, recv(client, &byte, 1, 0) == 1 {
                        head.append(byte)
                        if head.suffix(4) == [13, 10, 13, 10] { break }
                    }
                    let request = String(decoding: head, as: UTF8.self)
                    if path.map({ request.hasPrefix("GET \($0) ") }) ?? true {
                        let index = self.open.withLock { state in
                            state.accepted += 1
                            return state.accepted - 1
                        }
                        handler(Connection(fd: client, index: index, request: request))
                    }
                    // Half-close and drain before closing: closing a socket with unread bytes sends a reset, which
                    // a client still reading the answer sees as "connection reset by peer" instead of the answer.
                    shutdown(client, Int32(SHUT_WR))
                    var timeout = timeval(tv_sec: 1, tv_usec: 0)
                    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    var sink = [UInt8](repeating: 0, count: 4_096)
                    while recv(client, &sink, sink.count, 0) > 0 {}
                    self.open.withLock { state in
                        state.fds.removeAll { $0 == client }
                        close(client)
                    }
                }
                worker.start()
            }
        }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var connectionsAccepted: Int { open.withLock { $0.accepted } }

    func stop() {
        let fds = open.withLock { state -> [Int32]? in
            guard !state.stopped else { return nil }   // once: the descriptor number may be reused afterwards
            state.stopped = true
            return state.fds
        }
        guard fds != nil else { return }
        // Wakes the accept thread (accept fails on a shut-down listener, now or when it first calls it); that
        // thread closes the descriptor.
        shutdown(listener, Int32(SHUT_RDWR))
        // Under the lock: a handler's thread closes its descriptor under the same lock, so none is reused here.
        open.withLock { state in for fd in state.fds { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    deinit { stop() }
}
