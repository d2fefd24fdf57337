/// Escaping for text placed in XML or HTML (SVG figures, the HTML report).
public enum MarkupEscaping {
    /// `text` with `&`, `<`, `>` and `"` replaced by entities, safe in element content and quoted attributes.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
