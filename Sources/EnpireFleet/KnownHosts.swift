import CSSH2
import Foundation

/// An OpenSSH `known_hosts` file read with libssh2's knownhost API (plain and hashed host names, `[host]:port`
/// entries), plus `@revoked` lines, which libssh2 does not read.
struct KnownHosts {
    /// An ssh host key as the server presented it.
    struct HostKey {
        /// OpenSSH key type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...).
        var typeName: String
        /// The key blob (what known_hosts stores base64-encoded).
        var blob: Data
        /// libssh2's knownhost key-type bits for `typeName`.
        var knownHostType: Int32

        /// `SHA256:...` as `ssh-keygen -l` prints it.
        var fingerprint: String
    }

    /// Outcome of a check.
    enum Verdict: Equatable {
        /// The file lists this key for this host.
        case match
        /// The file lists this host with another key of the same type.
        case mismatch
        /// The file does not list this host with a key of this type.
        case unknown
        /// The key is marked `@revoked`.
        case revoked
    }

    /// libssh2's key-type bits (`LIBSSH2_KNOWNHOST_KEY_*`, macros Swift does not import).
    static func knownHostType(ofTypeName name: String) -> Int32? {
        let shift: Int32 = 18
        switch name {
        case "ssh-rsa": return 2 << shift
        case "ssh-dss": return 3 << shift
        case "ecdsa-sha2-nistp256": return 4 << shift
        case "ecdsa-sha2-nistp384": return 5 << shift
        case "ecdsa-sha2-nistp521": return 6 << shift
        case "ssh-ed25519": return 7 << shift
        default: return nil
        }
    }

    /// The host pattern OpenSSH writes for `host` on `port`.
    static func pattern(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Checks `key` for `host`:`port` against the file at `path` (a missing file lists nothing).
    static func check(_ key: HostKey, host: String, port: Int, path: String) throws -> Verdict {
        let text: String
        if FileManager.default.fileExists(atPath: path) {
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw FleetError.io(path: path, reason: "cannot read known_hosts file: \(error)")
            }
        } else {
            text = ""
        }
        let encodedKey = key.blob.base64EncodedString()
        var lines: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("@revoked") {
                let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if fields.count >= 4, fields[3] == encodedKey { return .revoked }
                continue
            }
            if trimmed.hasPrefix("@") { continue }  // @cert-authority: not supported
            lines.append(trimmed)
        }
        guard !lines.isEmpty else { return .unknown }

        _ = libssh2Initialized
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
            throw FleetError.io(path: path, reason: "libssh2 could not allocate a session to read known_hosts")
        }
        defer { libssh2_session_free(session) }
        guard let hosts = libssh2_knownhost_init(session) else {
            throw FleetError.io(path: path, reason: "libssh2 could not allocate a known_hosts list")
        }
        defer { libssh2_knownhost_free(hosts) }
        for line in lines {
            // Lines libssh2 cannot parse (unknown key types such as security keys) are skipped, not fatal.
            _ = String(line).withCString { libssh2_knownhost_readline(hosts, $0, strlen($0), LIBSSH2_KNOWNHOST_FILE_OPENSSH) }
        }
        let plainRawHost: Int32 = 1 | (1 << 16)  // LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW
        let result = key.blob.withUnsafeBytes { bytes in
            libssh2_knownhost_checkp(hosts, host, Int32(port), bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                                     bytes.count, plainRawHost | key.knownHostType, nil)
        }
        switch result {
        case 0: return .match      // LIBSSH2_KNOWNHOST_CHECK_MATCH
        case 1: return .mismatch   // LIBSSH2_KNOWNHOST_CHECK_MISMATCH
        case 2: return .unknown    // LIBSSH2_KNOWNHOST_CHECK_NOTFOUND
        default:
            throw FleetError.io(path: path, reason: "libssh2 could not check the host key (code \(result))")
        }
    }

    /// Appends `key` for `host`:`port` to the file at `path`, creating it (mode 0600, folder 0700) when missing.
    static func add(_ key: HostKey, host: String, port: Int, path: String) throws {
        let line = "\(pattern(host: host, port: port)) \(key.typeName) \(key.blob.base64EncodedString())\n"
        let file = URL(fileURLWithPath: path)
        do {
            if !FileManager.default.fileExists(atPath: path) {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                guard FileManager.default.createFile(atPath: path, contents: nil,
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            // A file without a final newline would glue our line onto its last one.
            if try handle.offset() > 0, let last = try? lastByte(of: file), last != UInt8(ascii: "\n") {
                try handle.write(contentsOf: Data("\n".utf8))
            }
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw FleetError.io(path: path, reason: "cannot record the host key of \(host): \(error)")
        }
    }

    private static func lastByte(of file: URL) throws -> UInt8? {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        guard end > 0 else { return nil }
        try handle.seek(toOffset: end - 1)
        return try handle.read(upToCount: 1)?.first
    }
}

/// libssh2 needs one global initialisation per process (libgit2 also does it; it is reference-counted).
let libssh2Initialized: Bool = {
    libssh2_init(0)
    return true
}()
