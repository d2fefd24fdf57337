import Foundation

/// Buffered reading of an HTTP response with a cap on everything it keeps: lines, exact lengths, and bodies up to
/// a delimiter. Bytes come from `source` (a socket, a chunked decoder, or memory in tests); an empty read is the
/// end of the stream.
final class ByteReader {
    private let source: () throws(MJPEGCameraError) -> [UInt8]
    private var buffer: [UInt8] = []
    private var start = 0
    private(set) var atEnd = false
    /// Bytes taken from the source so far.
    private(set) var bytesRead = 0

    init(source: @escaping () throws(MJPEGCameraError) -> [UInt8]) {
        self.source = source
    }

    private var available: Int { buffer.count - start }

    /// Reads more from the source; false at the end of the stream.
    private func fill() throws(MJPEGCameraError) -> Bool {
        guard !atEnd else { return false }
        let more = try source()
        if more.isEmpty {
            atEnd = true
            return false
        }
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += more
        bytesRead += more.count
        return true
    }

    /// One line without its line ending (CRLF or LF), failing past `limit` bytes.
    func readLine(limit: Int, what: String) throws(MJPEGCameraError) -> String {
        var scannedOffset = 0
        while true {
            if let newline = buffer[(start + scannedOffset)...].firstIndex(of: 0x0A) {
                guard newline - start <= limit else { throw .headerTooLong(what, limit: limit) }
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard available <= limit else { throw .headerTooLong(what, limit: limit) }
            scannedOffset = available
            guard try fill() else { throw .truncated(while: what, received: available) }
        }
    }

    /// Exactly `count` bytes.
    func readExactly(_ count: Int, what: String) throws(MJPEGCameraError) -> [UInt8] {
        while available < count {
            guard try fill() else { throw .truncated(while: what, received: available) }
        }
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    /// What is buffered, or one read of the source when nothing is (at most `maximum` bytes); empty at the end.
    func readAvailable(maximum: Int) throws(MJPEGCameraError) -> [UInt8] {
        if available == 0 { guard try fill() else { return [] } }
        let count = min(maximum, available)
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    /// The bytes before the first of `delimiters` (which stays unread), failing when none appears within `limit`
    /// bytes. Returns the body and the delimiter found.
    func readUntil(any delimiters: [[UInt8]], limit: Int, what: String) throws(MJPEGCameraError) -> [UInt8] {
        let longest = delimiters.map(\.count).max() ?? 0
        var searchFrom = start
        while true {
            var best: Int?
            for delimiter in delimiters {
                if let found = Self.find(delimiter, in: buffer, from: searchFrom), found < best ?? .max { best = found }
            }
            if let best {
                guard best - start <= limit else { throw .partTooLarge(limit: limit, declared: nil) }
                let body = Array(buffer[start..<best])
                start = best
                return body
            }
            guard available <= limit else { throw .partTooLarge(limit: limit, declared: nil) }
            searchFrom = max(start, buffer.count - longest + 1)
            let before = start
            guard try fill() else { throw .truncated(while: what, received: available) }
            searchFrom = max(searchFrom - (before - start), start)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            var matches = true
            for k in 1..<needle.count where haystack[candidate + k] != needle[k] {
                matches = false
                break
            }
            if matches { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

/// Limits and deadlines an MJPEG camera holds a server to, so that a broken or hostile server cannot make it
/// allocate without bound or wait forever.
public struct MJPEGLimits: Sendable, Equatable {
    /// Largest JPEG part (or snapshot body) accepted, in bytes. Default 8 MiB (a 4K JPEG is about 1–3 MiB).
    public var maximumPartBytes = 8 << 20
    /// Largest response or part header block, in bytes (also the longest preamble skipped before a boundary).
    public var maximumHeaderBytes = 16 << 10
    /// Seconds to open the TCP connection.
    public var connectTimeoutSeconds = 2.0
    /// Seconds without any byte from the server before the connection is dropped.
    public var readTimeoutSeconds = 2.0
    /// Seconds to receive one whole part (or snapshot), however the bytes trickle in.
    public var partTimeoutSeconds = 5.0

    /// Default limits.
    public init() {}

    /// Checks the limits, naming the bad one.
    public func validate() throws(MJPEGCameraError) {
        func check(_ ok: Bool, _ message: String) throws(MJPEGCameraError) {
            if !ok { throw .invalidSetting(message) }
        }
        try check(maximumPartBytes >= 1_024 && maximumPartBytes <= 1 << 30, "maximumPartBytes must be in 1 KiB...1 GiB")
        try check(maximumHeaderBytes >= 256 && maximumHeaderBytes <= 1 << 20, "maximumHeaderBytes must be in 256...1 MiB")
        for (value, name) in [(connectTimeoutSeconds, "connectTimeoutSeconds"), (readTimeoutSeconds, "readTimeoutSeconds"),
                              (partTimeoutSeconds, "partTimeoutSeconds")] {
            try check(value.isFinite && value > 0 && value <= 3_600, "\(name) must be in (0, 3600] seconds")
        }
    }
}

/// An HTTP response head: status and headers (names lower-cased).
struct HTTPResponseHead: Equatable {
    var status: Int
    var reason: String
    var headers: [String: String]

    /// Reads the status line and headers, at most `limit` bytes in all.
    static func read(from reader: ByteReader, limit: Int) throws(MJPEGCameraError) -> HTTPResponseHead {
        let statusLine = try reader.readLine(limit: limit, what: "the HTTP status line")
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]), (100...999).contains(status)
        else { throw .malformedResponse("status line \(String(statusLine.prefix(80)).debugDescription) is not HTTP") }
        let headers = try readHeaders(from: reader, limit: limit - statusLine.utf8.count, what: "the HTTP headers")
        return HTTPResponseHead(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers)
    }

    /// Reads `Name: value` lines up to an empty line, at most `limit` bytes and 100 lines.
    static func readHeaders(from reader: ByteReader, limit: Int, what: String) throws(MJPEGCameraError) -> [String: String] {
        var headers: [String: String] = [:]
        var used = 0
        var lines = 0
        while true {
            let line = try reader.readLine(limit: max(0, limit - used), what: what)
            used += line.utf8.count + 2
            lines += 1
            guard used <= limit, lines <= 100 else { throw .headerTooLong(what, limit: limit) }
            if line.isEmpty { return headers }
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformedResponse("header line \(String(line.prefix(80)).debugDescription) in \(what) has no colon")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The declared body length, when there is a valid one.
    func contentLength(limit: Int) throws(MJPEGCameraError) -> Int? {
        try Self.contentLength(headers["content-length"], limit: limit)
    }

    static func contentLength(_ value: String?, limit: Int) throws(MJPEGCameraError) -> Int? {
        guard let value else { return nil }
        guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(value)
        else { throw .malformedContentLength(String(value.prefix(40))) }
        guard length <= limit else { throw .partTooLarge(limit: limit, declared: length) }
        return length
    }

    var isChunked: Bool { headers["transfer-encoding"]?.lowercased().contains("chunked") == true }
}

/// Decodes `Transfer-Encoding: chunked` from `inner` (ESP32-CAM's web server sends its stream this way).
func chunkedSource(_ inner: ByteReader, limit: Int) -> () throws(MJPEGCameraError) -> [UInt8] {
    var remaining = 0
    var finished = false
    return { () throws(MJPEGCameraError) -> [UInt8] in
        while true {
            if finished { return [] }
            if remaining > 0 {
                let bytes = try inner.readAvailable(maximum: min(remaining, 64 << 10))
                guard !bytes.isEmpty else { throw .truncated(while: "a chunk of the response", received: 0) }
                remaining -= bytes.count
                if remaining == 0 {
                    let end = try inner.readLine(limit: 2, what: "the end of a chunk")
                    guard end.isEmpty else { throw .malformedResponse("a chunk is not followed by CRLF") }
                }
                return bytes
            }
            let line = try inner.readLine(limit: 256, what: "a chunk size line")
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !sizeText.isEmpty, sizeText.count <= 8, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .malformedResponse("chunk size \(String(line.prefix(40)).debugDescription) is not hexadecimal "
                    + "(at most 8 digits)")
            }
            guard size <= limit else { throw .partTooLarge(limit: limit, declared: size) }
            if size == 0 {
                _ = try HTTPResponseHead.readHeaders(from: inner, limit: 4_096, what: "the chunked trailer")
                finished = true
                return []
            }
            remaining = size
        }
    }
}
