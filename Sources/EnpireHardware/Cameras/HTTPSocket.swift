#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where an HTTP camera is: host, port, request target and optional Basic credentials, parsed from its URL.
struct HTTPEndpoint: Sendable, Equatable {
    var host: String
    var port: UInt16
    /// Path and query, as sent in the request line.
    var target: String
    /// `Basic …` value of the Authorization header when the URL carries `user:password@`.
    var authorization: String?

    init(url: String) throws(MJPEGCameraError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url, reason: "not a URL; expected http://host[:port]/path")
        }
        guard scheme == "http" else {
            throw .invalidURL(url, reason: "scheme \(scheme) is not supported: only plain http:// (cameras rarely "
                + "serve TLS; put the camera on a trusted network, or a TLS-terminating proxy on this machine)")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(url, reason: "no host") }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else { throw .invalidURL(url, reason: "port \(port) is out of 1...65535") }
        self.host = host
        self.port = UInt16(port)
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        guard !target.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " }) else {
            throw .invalidURL(url, reason: "the path contains spaces or line breaks")
        }
        self.target = target
        if let user = components.user {
            let credentials = user.removingPercentEncoding.map { $0 } ?? user
            let password = components.password?.removingPercentEncoding ?? components.password ?? ""
            authorization = "Basic " + Data("\(credentials):\(password)".utf8).base64EncodedString()
        }
    }

    /// The request bytes: HTTP/1.1 GET with Host, optional Authorization, `Connection: close`.
    var request: [UInt8] {
        var lines = ["GET \(target) HTTP/1.1", "Host: \(host.contains(":") ? "[\(host)]" : host):\(port)",
                     "User-Agent: Enpire", "Accept: multipart/x-mixed-replace, image/jpeg", "Connection: close"]
        if let authorization { lines.append("Authorization: \(authorization)") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}

/// A TCP connection with `poll` deadlines on every operation (non-blocking socket), owned by one thread.
final class HTTPSocket: @unchecked Sendable {
    // @unchecked: the descriptor is only read and written by the thread that owns the connection; `shutdown()`
    // from another thread only calls shutdown(2), which is safe on a descriptor in use.
    private let fd: Int32
    private let description: String
    private var closed = false

    private init(fd: Int32, description: String) {
        self.fd = fd
        self.description = description
    }

    deinit { close() }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Connects to `endpoint`, trying each resolved address within `timeoutSeconds` in all.
    static func connect(to endpoint: HTTPEndpoint, timeoutSeconds: Double) throws(MJPEGCameraError) -> HTTPSocket {
        let place = "\(endpoint.host):\(endpoint.port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, let first = list else {
            throw .connectFailed(place, reason: "cannot resolve host: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var lastReason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastReason = "socket: \(errnoText())"; continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            #if canImport(Darwin)
            _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            let result = systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result == 0 { return HTTPSocket(fd: fd, description: place) }
            guard errno == EINPROGRESS else {
                lastReason = errnoText()
                _ = systemClose(fd)
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = remaining > 0 ? poll(&descriptor, 1, Int32(max(1, remaining * 1000))) : 0
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if ready > 0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0, socketError == 0 {
                return HTTPSocket(fd: fd, description: place)
            }
            lastReason = ready > 0 ? String(cString: strerror(socketError)) : "no answer within \(timeoutSeconds) s"
            _ = systemClose(fd)
        }
        throw .connectFailed(place, reason: lastReason)
    }

    /// Sends every byte, failing when the peer does not take them before `deadline`.
    func send(_ bytes: [UInt8], deadline: Date) throws(MJPEGCameraError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { raw -> Int in
                #if canImport(Glibc)
                return Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                return Darwin.send(fd, raw.baseAddress, raw.count, 0)
                #endif
            }
            if sent > 0 { offset += sent; continue }
            guard sent < 0, errno == EAGAIN || errno == EINTR else {
                throw .ioFailed(description, reason: "send: \(Self.errnoText())")
            }
            try wait(for: Int16(POLLOUT), deadline: deadline, what: "sending the request")
        }
    }

    /// Reads what is available (at most `maximum` bytes), waiting until `deadline` for the first byte; an empty
    /// result means the peer closed the connection.
    func read(maximum: Int, deadline: Date) throws(MJPEGCameraError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maximum, 0) }
            if got >= 0 {
                buffer.removeLast(maximum - got)
                return buffer
            }
            guard errno == EAGAIN || errno == EINTR else {
                throw .ioFailed(description, reason: "recv: \(Self.errnoText())")
            }
            try wait(for: Int16(POLLIN), deadline: deadline, what: "waiting for data")
        }
    }

    private func wait(for events: Int16, deadline: Date, what: String) throws(MJPEGCameraError) {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw .timedOut(description, while: what) }
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(1, min(remaining, 3600) * 1000)))
        if ready == 0 { throw .timedOut(description, while: what) }
        if ready < 0, errno != EINTR { throw .ioFailed(description, reason: "poll: \(Self.errnoText())") }
    }

    /// Wakes a thread blocked in `poll` on this socket (it then sees end of stream); callable from any thread.
    func shutdown() {
        #if canImport(Glibc)
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        #else
        _ = Darwin.shutdown(fd, SHUT_RDWR)
        #endif
    }

    /// Closes the descriptor (once).
    func close() {
        guard !closed else { return }
        closed = true
        _ = systemClose(fd)
    }
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(fd, address, length)
    #else
    return Darwin.connect(fd, address, length)
    #endif
}
