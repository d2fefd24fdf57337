public import Foundation
import Enpire

/// Reads and writes the safetensors format (as used by Hugging Face `safetensors`) for `F32` tensors.
///
/// Layout: an unsigned 64-bit little-endian header length `N`, then `N` bytes of JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section) plus an
/// optional `"__metadata__"` string map, then the raw little-endian data. The header is padded with spaces to
/// a multiple of 8 bytes so that the data section stays aligned.
public enum SafeTensors {
    /// Serialises tensors (sorted by name) and string metadata.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws(SafeTensorsError)
        -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard name != "__metadata__" else { throw .invalidHeader("a tensor may not be named __metadata__") }
            guard let tensor = tensors[name] else { continue }
            let bytes = tensor.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw .invalidHeader("cannot encode header: \(error)")
        }
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]?.scalars.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                data.append(contentsOf: UnsafeRawBufferPointer(buffer))
                #else
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #endif
            }
        }
        return data
    }

    /// Parses a safetensors blob, rejecting truncated or inconsistent files with a precise error.
    public static func decode(_ data: Data) throws(SafeTensorsError)
        -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw .truncated("\(data.count) bytes, need at least 8 for the header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw .truncated("header length \(headerLength) exceeds the \(data.count - 8) bytes after it")
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data[headerStart..<dataStart])
        } catch {
            throw .invalidHeader("not valid JSON (\(headerLength) bytes)")
        }
        guard let header = object as? [String: Any] else { throw .invalidHeader("top level is not a JSON object") }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: String] else {
                throw .invalidHeader("__metadata__ must map strings to strings")
            }
            metadata = map
        }
        let dataSize = data.count - dataStart
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any] else { throw .invalidHeader("entry \(name) is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw .invalidHeader("entry \(name) has no dtype") }
            guard dtype == "F32" else { throw .unsupportedDType(name: name, dtype: dtype) }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw .invalidHeader("entry \(name) has no valid shape")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw .invalidHeader("entry \(name) needs data_offsets [begin, end]")
            }
            let begin = offsets[0], end = offsets[1]
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw .invalidOffsets("\(name) spans [\(begin), \(end)) but the data section has \(dataSize) bytes")
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, dim in
                let product = acc.0.multipliedReportingOverflow(by: dim)
                return (product.partialValue, acc.1 || product.overflow)
            }
            let bytes = elements.multipliedReportingOverflow(by: 4)
            guard !overflow, !bytes.overflow, bytes.partialValue == end - begin else {
                throw .shapeMismatch("\(name) has shape \(shape) (\(elements) × 4 bytes) but \(end - begin) bytes")
            }
            entries.append((name, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for entry in entries {
            guard entry.begin == cursor else {
                throw .invalidOffsets(entry.begin < cursor
                    ? "\(entry.name) starts at \(entry.begin), overlapping the previous tensor ending at \(cursor)"
                    : "gap of \(entry.begin - cursor) bytes before \(entry.name)")
            }
            cursor = entry.end
        }
        guard cursor == dataSize else {
            throw .invalidOffsets("tensors cover \(cursor) bytes but the data section has \(dataSize)")
        }
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let count = (entry.end - entry.begin) / 4
            var scalars = [Float](repeating: 0, count: count)
            _ = scalars.withUnsafeMutableBytes { destination in
                data.copyBytes(to: destination, from: (dataStart + entry.begin)..<(dataStart + entry.end))
            }
            #if !_endian(little)
            for index in scalars.indices { scalars[index] = Float(bitPattern: UInt32(littleEndian: scalars[index].bitPattern)) }
            #endif
            guard let tensor = try? Tensor(shape: entry.shape, scalars: scalars) else {
                throw .shapeMismatch("\(entry.name): shape \(entry.shape)")
            }
            tensors[entry.name] = tensor
        }
        return (tensors, metadata)
    }

    /// Writes a file atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL)
        throws(SafeTensorsError) {
        let data = try encode(tensors, metadata: metadata)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Largest file ``read(from:)`` accepts: 2 GiB (about 500 million `F32` parameters).
    public static let maximumFileBytes = 1 << 31

    /// Largest JSON sidecar beside a checkpoint that this library's loaders read (16 MiB; a sidecar is a few KiB
    /// plus its normalisers): a crafted or corrupt one is refused for its size before it is decoded.
    public static let maximumSidecarBytes = 1 << 24

    /// Reads and validates a file no larger than ``maximumFileBytes``.
    public static func read(from url: URL) throws(SafeTensorsError)
        -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try SafeFile.read(url, limit: maximumFileBytes)
        } catch {
            throw .io("\(error)")
        }
        return try decode(data)
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let exact = Int(exactly: number.doubleValue) else { return nil }
            result.append(exact)
        }
        return result
    }
}
