internal import COpenSSL
public import Foundation

/// SHA-256 content hashes of frozen criteria, held-out seeds and checkpoints, as lowercase hexadecimal.
///
/// A thin facade over OpenSSL's libcrypto (its EVP digest interface) that keeps the hexadecimal form every Enpire
/// file stores; the digests are the standard FIPS 180-4 ones, so hashes written by earlier versions still verify.
/// A copy of a hasher that has been fed continues independently of the original (copy on write).
public struct SHA256: Sendable {
    private var context = DigestContext()

    /// Creates a hasher with the standard initial state.
    public init() {}

    /// Hashes `data` in one call and returns the lowercase hexadecimal digest.
    public static func hex(_ data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalizeHex()
    }

    /// Hashes the UTF-8 bytes of `text` and returns the lowercase hexadecimal digest.
    public static func hex(_ text: String) -> String {
        hex(Data(text.utf8))
    }

    /// Feeds more bytes.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update(bytes: $0) }
    }

    /// Feeds more bytes from a raw buffer.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        context.check(EVP_DigestUpdate(context.pointer, base, bytes.count), "EVP_DigestUpdate")
    }

    /// Finishes and returns the 32-byte digest; the hasher must not be reused afterwards.
    public mutating func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        context.check(EVP_DigestFinal_ex(context.pointer, &digest, &length), "EVP_DigestFinal_ex")
        precondition(length == 32, "SHA-256: libcrypto returned a \(length)-byte digest")
        return digest
    }

    /// Finishes and returns the digest as 64 lowercase hexadecimal characters.
    public mutating func finalizeHex() -> String {
        finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// One libcrypto digest context, owned by a ``SHA256`` value (copied before a shared one is written, so the
/// unchecked `Sendable` holds: a context is only mutated through a uniquely referenced owner).
private final class DigestContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// A fresh SHA-256 context, or a copy of `other`'s state.
    init(copying other: DigestContext? = nil) {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("SHA-256: libcrypto could not allocate a digest context") }
        pointer = context
        if let other {
            check(EVP_MD_CTX_copy_ex(context, other.pointer), "EVP_MD_CTX_copy_ex")
        } else {
            check(EVP_DigestInit_ex(context, EVP_sha256(), nil), "EVP_DigestInit_ex")
        }
    }

    deinit { EVP_MD_CTX_free(pointer) }

    func copy() -> DigestContext { DigestContext(copying: self) }

    /// libcrypto's digest calls return 1 on success; they fail only when memory runs out or the library is
    /// misconfigured (a FIPS-only provider without SHA-256), neither of which a hash caller can recover from.
    func check(_ result: Int32, _ call: String) {
        precondition(result == 1, "SHA-256: libcrypto's \(call) failed")
    }
}
