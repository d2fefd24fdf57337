import Foundation

/// Splits a `multipart/x-mixed-replace` body into JPEG parts, within ``MJPEGLimits``.
///
/// Tolerates what servers in the field send: a quoted boundary, a boundary that already starts with `--`
/// (some IP cameras then write it with or without another `--`), parts with or without `Content-Length`, blank
/// lines and preambles between parts, and LF instead of CRLF.
struct MJPEGPartParser {
    let reader: ByteReader
    let limits: MJPEGLimits
    /// Lines that start a part.
    let delimiters: [String]

    init(reader: ByteReader, boundary: String, limits: MJPEGLimits) {
        self.reader = reader
        self.limits = limits
        var delimiters = ["--" + boundary]
        if boundary.hasPrefix("--") { delimiters.append(boundary) }
        self.delimiters = delimiters
    }

    /// The boundary of a `multipart/x-mixed-replace` content type.
    static func boundary(contentType: String?) throws(MJPEGCameraError) -> String {
        guard let contentType else { throw .notMultipart(contentType: "(none)") }
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = fields.first?.lowercased(), type == "multipart/x-mixed-replace" || type == "multipart/mixed"
        else { throw .notMultipart(contentType: contentType) }
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "="),
                  field[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard !value.isEmpty, value.utf8.count <= 200, !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw .missingBoundary(contentType: contentType)
            }
            return value
        }
        throw .missingBoundary(contentType: contentType)
    }

    /// The next part's JPEG bytes, exactly as sent.
    ///
    /// - Throws: ``MJPEGCameraError/streamEnded`` at the closing boundary, or the error that makes the stream
    ///   unusable from here on (the caller reconnects).
    func nextPart() throws(MJPEGCameraError) -> [UInt8] {
        var skipped = 0
        while true {
            let line = try reader.readLine(limit: limits.maximumHeaderBytes, what: "the line before a part")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if delimiters.contains(trimmed) { break }
            if delimiters.contains(where: { trimmed == $0 + "--" }) { throw .streamEnded }
            skipped += line.utf8.count + 2
            guard skipped <= limits.maximumHeaderBytes else {
                throw .malformedBoundary("no boundary line \(delimiters[0].debugDescription) within "
                    + "\(limits.maximumHeaderBytes) bytes (last line \(String(trimmed.prefix(60)).debugDescription)); the "
                    + "server's parts do not start with the boundary its Content-Type declared")
            }
        }
        let headers = try HTTPResponseHead.readHeaders(from: reader, limit: limits.maximumHeaderBytes,
                                                       what: "a part's headers")
        if let type = headers["content-type"]?.lowercased(), !type.contains("jpeg"), !type.contains("jpg") {
            throw .notJPEG("its Content-Type is \(type.debugDescription)")
        }
        let body: [UInt8]
        if let length = try HTTPResponseHead.contentLength(headers["content-length"], limit: limits.maximumPartBytes) {
            body = try reader.readExactly(length, what: "a part of \(length) bytes")
        } else {
            var raw = try reader.readUntil(any: delimiters.map { Array(("\n" + $0).utf8) },
                                           limit: limits.maximumPartBytes, what: "a part without Content-Length")
            // The line break before the boundary (and any blank lines) belongs to the framing, not the JPEG,
            // which ends with FF D9.
            while let last = raw.last, last == 0x0D || last == 0x0A { raw.removeLast() }
            body = raw
        }
        try Self.checkJPEG(body)
        return body
    }

    /// Checks the start-of-image marker and an end-of-image marker within the last 32 bytes (padding allowed).
    static func checkJPEG(_ bytes: [UInt8]) throws(MJPEGCameraError) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw .notJPEG("\(bytes.count) bytes without the JPEG start marker FF D8")
        }
        let tail = bytes.suffix(32)
        var index = tail.endIndex - 1
        while index > tail.startIndex {
            if tail[index - 1] == 0xFF, tail[index] == 0xD9 { return }
            index -= 1
        }
        throw .notJPEG("\(bytes.count) bytes without the JPEG end marker FF D9 (torn frame)")
    }
}
