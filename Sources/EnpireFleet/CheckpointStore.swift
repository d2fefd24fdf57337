import Enpire
public import Foundation

/// A content-addressed folder for checkpoints too large for Git (local or on a shared filesystem).
///
/// Objects live at `<root>/sha256/<first two hex digits>/<hash>`; ledger records and fleet commits carry
/// only the hash. Reading re-hashes the object, so a corrupted or truncated file is detected, not used.
public struct CheckpointStore: Sendable {
    /// The store's root folder.
    public let root: URL
    private static let chunkBytes = 1 << 20

    /// Uses (and creates if needed) the folder at `root`.
    public init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("sha256"),
                                                    withIntermediateDirectories: true)
        } catch {
            throw FleetError.io(path: root.path, reason: "cannot create checkpoint store: \(error)")
        }
    }

    /// Copies the file into the store and returns its SHA-256 (storing identical content once).
    @discardableResult
    public func put(_ fileURL: URL) throws -> String {
        let temporary = root.appendingPathComponent("incoming-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw FleetError.io(path: temporary.path, reason: "cannot create temporary file in the store")
        }
        var hasher = SHA256()
        do {
            let input = try FileHandle(forReadingFrom: fileURL)
            defer { try? input.close() }
            let output = try FileHandle(forWritingTo: temporary)
            defer { try? output.close() }
            while let chunk = try input.read(upToCount: Self.chunkBytes), !chunk.isEmpty {
                hasher.update(chunk)
                try output.write(contentsOf: chunk)
            }
            try output.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FleetError.io(path: fileURL.path, reason: "cannot copy into the checkpoint store: \(error)")
        }
        let hash = hasher.finalizeHex()
        let destination = objectURL(hash)
        do {
            if FileManager.default.fileExists(atPath: destination.path) {
                try FileManager.default.removeItem(at: temporary)
            } else {
                try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                // rename(2) is atomic: readers never see a half-written object under its hash.
                try FileManager.default.moveItem(at: temporary, to: destination)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if FileManager.default.fileExists(atPath: destination.path) { return hash }
            throw FleetError.io(path: destination.path, reason: "cannot store checkpoint: \(error)")
        }
        return hash
    }

    /// The URL of the object with `hash`, after verifying its content still hashes to `hash`.
    public func get(_ hash: String) throws -> URL {
        let normalized = hash.lowercased()
        guard normalized.count == 64, normalized.allSatisfy({ $0.isHexDigit }) else {
            throw FleetError.invalidName(kind: "checkpoint hash", value: hash)
        }
        let url = objectURL(normalized)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FleetError.checkpointNotFound(hash: normalized)
        }
        let actual = try Self.hashFile(url)
        guard actual == normalized else {
            throw FleetError.checkpointCorrupted(hash: normalized, actualHash: actual, path: url.path)
        }
        return url
    }

    /// Whether an object with `hash` is present (without verifying it).
    public func contains(_ hash: String) -> Bool {
        FileManager.default.fileExists(atPath: objectURL(hash.lowercased()).path)
    }

    /// The path an object with `hash` is stored at.
    public func objectURL(_ hash: String) -> URL {
        root.appendingPathComponent("sha256").appendingPathComponent(String(hash.prefix(2)))
            .appendingPathComponent(hash)
    }

    /// SHA-256 of a file's content, read in 1 MiB chunks.
    public static func hashFile(_ url: URL) throws -> String {
        var hasher = SHA256()
        do {
            let input = try FileHandle(forReadingFrom: url)
            defer { try? input.close() }
            while let chunk = try input.read(upToCount: chunkBytes), !chunk.isEmpty {
                hasher.update(chunk)
            }
        } catch {
            throw FleetError.io(path: url.path, reason: "cannot read: \(error)")
        }
        return hasher.finalizeHex()
    }
}
