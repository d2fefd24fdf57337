import Foundation

/// Renders any error as one line a person can act on, never as a raw `NSError` or `DecodingError` dump.
public enum ErrorMessage {
    /// One line describing `error`.
    ///
    /// Enpire's own errors give their `description`; Foundation errors their localized description (which names
    /// the file); decoding errors the JSON path and what was wrong there. Line breaks become "; ".
    public static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let decoding as DecodingError:
            text = describe(decoding)
        case is CocoaError:
            text = describe(error as NSError)
        default:
            // A Swift error's own `description` when it has one (String(describing:) uses it), else its case.
            text = type(of: error) is NSError.Type ? describe(error as NSError) : String(describing: error)
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// A Foundation error as "<file>: <reason>", the reason from the underlying POSIX error when there is one.
    private static func describe(_ error: NSError) -> String {
        let path = error.userInfo[NSFilePathErrorKey] as? String ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        var reason = error.localizedDescription
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// A decoding error as "at <path>: <what>" (or just "<what>" at the top level).
    public static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        @unknown default:
            return "the data could not be decoded"
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        var what = context.debugDescription
        if let underlying = context.underlyingError as NSError?,
           let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
            what += " (\(detail))"
        }
        return path.isEmpty ? what : "at \(path): \(what)"
    }
}
