/// Keeps the last bytes of a stream (bounded memory however much a child prints) and hands on complete lines.
struct OutputTail: Sendable {
    /// Most bytes kept.
    let limit: Int
    /// Longest line handed on; a longer one is cut to this many bytes.
    let lineLimit: Int
    private(set) var bytes: [UInt8] = []
    private var line: [UInt8] = []

    init(limit: Int, lineLimit: Int = 1 << 20) {
        self.limit = max(limit, 0)
        self.lineLimit = lineLimit
    }

    /// Appends `chunk`; calls `onLine` (when given) with each complete line, without its newline.
    mutating func append(_ chunk: some Collection<UInt8>, onLine: ((String) -> Void)?) {
        bytes.append(contentsOf: chunk)
        if bytes.count > limit * 2 { bytes.removeFirst(bytes.count - limit) }
        guard let onLine else { return }
        for byte in chunk {
            if byte == 0x0A {
                onLine(String(decoding: line, as: UTF8.self))
                line.removeAll(keepingCapacity: true)
            } else if line.count < lineLimit {
                line.append(byte)
            }
        }
    }

    /// Hands on a last line that had no newline.
    mutating func finish(onLine: ((String) -> Void)?) {
        if let onLine, !line.isEmpty { onLine(String(decoding: line, as: UTF8.self)) }
        line.removeAll()
    }

    /// The kept bytes (the last `limit`) as text.
    var text: String { String(decoding: bytes.suffix(limit), as: UTF8.self) }
}
