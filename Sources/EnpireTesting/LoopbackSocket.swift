import Foundation
#if canImport(Glibc)
import Glibc
private let systemBind = Glibc.bind
#elseif canImport(Darwin)
import Darwin
private let systemBind = Darwin.bind
#endif

/// A TCP socket bound to a port the kernel picks on 127.0.0.1, for tests that start a local server (an HTTP
/// camera, an sshd, a listener a sandboxed program must not reach).
public enum LoopbackSocket {
    /// Why a loopback socket could not be made.
    public struct Failure: Error, CustomStringConvertible {
        /// The system call that failed and its `errno` text.
        public var description: String
    }

    /// Opens a TCP socket on 127.0.0.1 with a port the kernel picks, listening when `backlog` is given; returns
    /// the descriptor (the caller closes it) and the port. With `backlog` nil the socket is only bound: close it
    /// to hand the port to another process (which may lose a race for it, so such callers retry).
    public static func bind(listening backlog: Int32? = nil, reuseAddress: Bool = false) throws
        -> (descriptor: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        if reuseAddress {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let failed: String? = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                if systemBind(fd, pointer, length) != 0 { return "bind()" }
                if let backlog, listen(fd, backlog) != 0 { return "listen()" }
                if getsockname(fd, pointer, &length) != 0 { return "getsockname()" }
                return nil
            }
        }
        if let failed {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "\(failed) on 127.0.0.1: \(reason)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
