/// Errors from reading or writing the experiment ledger.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    /// A complete (newline-terminated) line could not be decoded.
    case corruptLine(path: String, lineNumber: Int, reason: String)
    /// The ledger file could not be opened, read or written.
    case io(path: String, reason: String)
    /// The ledger file does not exist (and the caller did not ask to create a new one).
    case missing(path: String)

    /// A message naming the file and what to do.
    public var description: String {
        switch self {
        case let .corruptLine(path, lineNumber, reason):
            return "ledger \(path) line \(lineNumber) is not a valid record (\(reason)); it is not the torn "
                + "last line of a crash, so fix or remove that line by hand"
        case let .io(path, reason):
            return "ledger \(path): \(reason); check that the folder exists and is writable"
        case let .missing(path):
            return "ledger \(path) is missing; it is not recreated empty (that would lose every record): restore it "
                + "from a backup or the fleet, or start a new workspace"
        }
    }
}
