public import Foundation

/// The one JSON encoding used wherever bytes are hashed or committed: sorted keys, no escaped slashes.
///
/// Hashes only stay stable if every writer produces identical bytes for identical values, so all content
/// hashes in Enpire go through this encoder.
public enum CanonicalJSON {
    /// Encodes `value` canonically.
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Encodes `value` canonically and pretty-printed, for files people read (same key order).
    public static func encodePretty<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return try encoder.encode(value)
    }

    /// SHA-256 of the canonical encoding, in lowercase hexadecimal.
    public static func sha256<Value: Encodable>(_ value: Value) throws -> String {
        SHA256.hex(try encode(value))
    }
}
