import Enpire
import Foundation

/// The rules every reality file follows, whichever task it belongs to (``PushTReality`` and the tasks of
/// ``TaskReality`` share one format): the size cap, the JSON object of named ranges, the name's length and a
/// range's bounds. Kept in one place so the format cannot drift between tasks and its messages read alike.
enum RealityFile {
    /// The bytes of the file at `path`, refused when it holds more than ``PushTReality/maximumFileBytes``.
    static func read(_ path: String) throws(PushTRealityError) -> Data {
        do { return try SafeFile.read(URL(fileURLWithPath: path), limit: PushTReality.maximumFileBytes) } catch {
            switch error {
            case .tooLarge: throw .invalid("\(path) is larger than \(PushTReality.maximumFileBytes) bytes, the most a reality file holds")
            default: throw .invalid(error.description)
            }
        }
    }

    /// `data` parsed as the JSON object of a reality file; `source` names it in messages, and `example` is one
    /// `"key": value` entry shown when the JSON is not an object.
    static func object(_ data: Data, source: String, example: String) throws(PushTRealityError) -> [String: Any] {
        guard data.count <= PushTReality.maximumFileBytes else {
            throw .invalid("\(source) is \(data.count) bytes; a reality file is at most "
                           + "\(PushTReality.maximumFileBytes) bytes")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalid("\(source) is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw .invalid("\(source) must be a JSON object of named ranges, like {\"name\": \"lab\", \(example)}")
        }
        return dictionary
    }

    /// Refuses a reality name that is empty or longer than 100 characters.
    static func checkName(_ name: String, source: String) throws(PushTRealityError) {
        guard !name.isEmpty, name.count <= 100 else {
            throw .invalid("\(source): name must have 1 to 100 characters")
        }
    }

    /// Refuses a range of `key` that is not finite and ordered or leaves `bounds`; `meaning` (unit and sense of
    /// the key), when given, ends the out-of-bounds message.
    static func check(_ range: PushTRealityRange, key: String, bounds: ClosedRange<Double>, meaning: String? = nil,
                      source: String) throws(PushTRealityError) {
        guard range.low.isFinite, range.high.isFinite, range.low <= range.high else {
            throw .invalid("\(source): \(key) is [\(range.low), \(range.high)]; give [low, high] with finite low <= high")
        }
        guard range.low >= bounds.lowerBound, range.high <= bounds.upperBound else {
            throw .invalid("\(source): \(key) is [\(range.low), \(range.high)]; it must lie within "
                           + "[\(bounds.lowerBound), \(bounds.upperBound)]" + (meaning.map { " (\($0))" } ?? ""))
        }
    }
}
