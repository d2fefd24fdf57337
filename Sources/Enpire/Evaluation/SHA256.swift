internal import Crypto
public import Foundation

/// SHA-256 content hashes of frozen criteria, held-out seeds and checkpoints, as lowercase hexadecimal.
///
/// A thin facade over swift-crypto's `SHA256` (BoringSSL on Linux, CryptoKit on Apple platforms) that keeps the
/// hexadecimal form every Enpire file stores; the digests are the standard FIPS 180-4 ones, so hashes written by
/// earlier versions still verify.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    /// Creates a hasher with the standard initial state.
    public init() {}

    /// Hashes `data` in one call and returns the lowercase hexadecimal digest.
    public static func hex(_ data: Data) -> String {
        hexadecimal(Crypto.SHA256.hash(data: data))
    }

    /// Hashes the UTF-8 bytes of `text` and returns the lowercase hexadecimal digest.
    public static func hex(_ text: String) -> String {
        hex(Data(text.utf8))
    }

    /// Feeds more bytes.
    public mutating func update(_ data: Data) {
        hasher.update(data: data)
    }

    /// Feeds more bytes from a raw buffer.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// Finishes and returns the 32-byte digest; the hasher must not be reused afterwards.
    public mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// Finishes and returns the digest as 64 lowercase hexadecimal characters.
    public mutating func finalizeHex() -> String {
        Self.hexadecimal(hasher.finalize())
    }

    private static func hexadecimal(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
