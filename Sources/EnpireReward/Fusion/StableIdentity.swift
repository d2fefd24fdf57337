import Foundation

extension Encodable {
    /// `prefix`, a space and this value as JSON with sorted keys (`?` if it does not encode): a stable description
    /// of every number of a verifier model, part of a frozen evaluation's hash.
    func stableIdentity(_ prefix: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        return prefix + " " + json
    }
}
