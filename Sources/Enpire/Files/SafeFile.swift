public import Foundation

/// Why ``SafeFile`` refused to read or write a file.
public enum SafeFileError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case unreadable(path: String, reason: String)
    /// The file is larger than the limit of the format being read.
    case tooLarge(path: String, limit: Int)
    /// The path names something other than a regular file (a device, FIFO, socket or folder).
    case notRegularFile(path: String, kind: String)
    /// The write failed.
    case writeFailed(path: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .tooLarge(let path, let limit):
            return "\(path) is larger than the \(limit) bytes this format may hold; refusing to read it"
        case .notRegularFile(let path, let kind):
            return "\(path) is a \(kind), not a regular file; give the path of a file"
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}

/// Reading and writing whole files with the checks a file from an untrusted hand needs.
///
/// - ``read(_:limit:)`` reads only regular files and never more than a documented limit, so a crafted or huge
///   file cannot exhaust memory.
/// - ``write(_:to:)`` replaces a file atomically (temporary file in the same folder, then `rename(2)`), but
///   through an existing symbolic link (the link's target is replaced, the link stays) and never over a
///   device, FIFO, socket or folder.
public enum SafeFile {
    /// Reads a whole regular file of at most `limit` bytes.
    ///
    /// - Throws: ``SafeFileError/unreadable(path:reason:)`` when it cannot be opened,
    ///   ``SafeFileError/notRegularFile(path:kind:)`` for devices, FIFOs, sockets and folders, and
    ///   ``SafeFileError/tooLarge(path:limit:)`` when it holds more than `limit` bytes (checked before reading).
    public static func read(_ url: URL, limit: Int) throws(SafeFileError) -> Data {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(path: path, kind: kind(status.st_mode)) }
        guard status.st_size <= limit else { throw .tooLarge(path: path, limit: limit) }
        let data: Data
        do {
            // One byte more than the limit: a file that grew after fstat is still refused, never read whole.
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= limit else { throw .tooLarge(path: path, limit: limit) }
        return data
    }

    /// Replaces the file at `url` with `data` atomically, following existing symbolic links to their target.
    ///
    /// The new contents go to a temporary file next to the final target and are renamed over it, so readers see
    /// the old file or the new one, never half. An existing target keeps its permission bits.
    ///
    /// - Throws: ``SafeFileError/notRegularFile(path:kind:)`` when the path (after links) is a device, FIFO,
    ///   socket or folder; ``SafeFileError/writeFailed(path:reason:)`` when writing or renaming fails.
    public static func write(_ data: Data, to url: URL) throws(SafeFileError) {
        let target = try resolve(url.path)
        var status = stat()
        var mode: mode_t = 0o644
        if lstat(target, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw .notRegularFile(path: target == url.path ? target : "\(url.path) (-> \(target))",
                                      kind: kind(status.st_mode))
            }
            mode = status.st_mode & 0o7777
        }
        let targetURL = URL(fileURLWithPath: target)
        let temporary = targetURL.deletingLastPathComponent()
            .appendingPathComponent(".\(targetURL.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary, options: .withoutOverwriting)
        } catch {
            throw .writeFailed(path: url.path, reason: error.localizedDescription)
        }
        chmod(temporary.path, mode)
        guard rename(temporary.path, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw .writeFailed(path: url.path, reason: reason)
        }
    }

    /// Follows symbolic links from `path` (at most 40, as the kernel does) to the path that will be replaced.
    private static func resolve(_ path: String) throws(SafeFileError) -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
            let destination = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
        }
        throw .writeFailed(path: path, reason: "too many levels of symbolic links")
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "folder"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFLNK: return "symbolic link"
        default: return "special file"
        }
    }
}
