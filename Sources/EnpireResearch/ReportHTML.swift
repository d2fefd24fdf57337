import Enpire
public import Foundation
import Ink

/// Turns a report's Markdown into one self-contained HTML page that opens anywhere without its folder.
///
/// Headings, tables and text are converted by Ink (a maintained Markdown parser); every figure the Markdown
/// references by a plain file name in the report folder is inlined: SVG as markup, PNG and JPEG as `data:` URIs.
/// A reference that leaves the folder (`../x.svg`, an absolute path, a URL), a missing file or one larger than
/// ``maximumFigureBytes`` stays an ordinary link, so a crafted report cannot pull other files into the page.
public enum ReportHTML {
    /// Largest figure file inlined (larger ones stay links).
    public static let maximumFigureBytes = 8 << 20

    /// Renders `markdown` as a complete HTML document titled `title`, inlining figures from `folder`.
    public static func render(markdown: String, title: String, folder: URL) -> String {
        let inliner = Modifier(target: .images) { input in
            figure(markdown: input.markdown, folder: folder) ?? input.html
        }
        let body = MarkdownParser(modifiers: [inliner]).html(from: protectingAngleBrackets(markdown))
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
               line-height: 1.45; color: #1d1d1f; }
        table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
        th, td { border: 1px solid #c8c8cc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: #f2f2f5; }
        code { background: #f2f2f5; padding: 0 0.2rem; border-radius: 3px; }
        figure { margin: 1rem 0; }
        figure svg, figure img { max-width: 100%; height: auto; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// Writes ``render(markdown:title:folder:)`` to `url` atomically.
    public static func write(markdown: String, title: String, folder: URL, to url: URL) throws {
        try Data(render(markdown: markdown, title: title, folder: folder).utf8).write(to: url, options: .atomic)
    }

    /// The inlined figure for an image reference `![alt](file)`, or nil to keep Ink's `<img>` link.
    static func figure(markdown: Substring, folder: URL) -> String? {
        guard markdown.hasPrefix("!["), let split = markdown.range(of: "]("), markdown.hasSuffix(")") else {
            return nil
        }
        let alt = String(markdown[markdown.index(markdown.startIndex, offsetBy: 2)..<split.lowerBound])
        let name = String(markdown[split.upperBound..<markdown.index(before: markdown.endIndex)])
            .trimmingCharacters(in: .whitespaces)
        guard isPlainFileName(name) else { return nil }
        let url = folder.appendingPathComponent(name)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int,
              size <= maximumFigureBytes, let data = try? Data(contentsOf: url) else { return nil }
        let caption = alt.isEmpty ? "" : "<figcaption>\(escape(alt))</figcaption>"
        switch (name as NSString).pathExtension.lowercased() {
        case "svg":
            guard let text = String(data: data, encoding: .utf8), let start = text.range(of: "<svg") else { return nil }
            return "<figure role=\"img\" aria-label=\"\(escape(alt))\">\(text[start.lowerBound...])\(caption)</figure>"
        case "png", "jpg", "jpeg":
            let type = name.lowercased().hasSuffix(".png") ? "image/png" : "image/jpeg"
            return "<figure><img alt=\"\(escape(alt))\" src=\"data:\(type);base64,\(data.base64EncodedString())\">"
                + "\(caption)</figure>"
        default:
            return nil
        }
    }

    /// Ink reads `<` as the start of raw HTML, so a `<` in a table cell or an agent's hypothesis (`steps < 100`)
    /// would swallow the rest of the page; outside code spans it becomes the entity `&lt;`, which Ink passes on.
    static func protectingAngleBrackets(_ markdown: String) -> String {
        var out = ""
        out.reserveCapacity(markdown.utf8.count)
        var inCode = false
        for character in markdown {
            switch character {
            case "`": inCode.toggle(); out.append(character)
            case "\n": inCode = false; out.append(character)
            case "<" where !inCode: out += "&lt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A file directly inside the report folder: no separators, no parent references, no scheme.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\\") && !name.contains(":") && !name.hasPrefix(".")
    }

    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String { MarkupEscaping.escaped(text) }
}
