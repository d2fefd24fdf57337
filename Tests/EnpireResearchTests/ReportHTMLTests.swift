import Foundation
import Testing
import EnpireTesting
@testable import EnpireResearch

/// The self-contained report page: Markdown through Ink, figures inlined from the report folder only.
@Suite("Report as one HTML page")
struct ReportHTMLTests {
    private func folder() throws -> URL { try LedgerFixtures.temporaryFolder("report-html") }

    @Test func tablesHeadingsAndFiguresBecomeOnePage() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>curve</text></svg>\n".utf8)
            .write(to: dir.appendingPathComponent("curve.svg"))
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        try Data(png).write(to: dir.appendingPathComponent("frame.png"))
        let markdown = """
        # Title <&>

        | policy | successes |
        |---|---|
        | best | 499/500 |
        | hypothesis: steps < 100 | `a<b` |

        ![success curve](curve.svg)

        ![a frame](frame.png)
        """
        let html = ReportHTML.render(markdown: markdown, title: "T & <x>", folder: dir)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>T &amp; &lt;x&gt;</title>"))
        #expect(html.contains("<h1>Title &lt;&amp;&gt;</h1>"))
        #expect(html.contains("<table>") && html.contains("<td>499/500</td>"))
        // A `<` in text must not open raw HTML that swallows the rest of the page; in code it stays code.
        #expect(html.contains("<td>hypothesis: steps &lt; 100</td>") && html.contains("<code>a&lt;b</code>"))
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>curve</text></svg>"))
        #expect(!html.contains("<?xml"), "the XML declaration is not valid inside HTML")
        #expect(html.contains("<figcaption>success curve</figcaption>"))
        #expect(html.contains("src=\"data:image/png;base64,\(Data(png).base64EncodedString())\""))
        #expect(!html.contains("src=\"curve.svg\"") && !html.contains("src=\"frame.png\""))
    }

    @Test func referencesOutsideTheFolderMissingOrHugeFilesStayLinks() throws {
        let dir = try folder()
        let outside = dir.deletingLastPathComponent().appendingPathComponent("secret-\(UUID().uuidString).svg")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: outside)
        }
        try Data("<svg>classified</svg>".utf8).write(to: outside)
        let huge = dir.appendingPathComponent("huge.svg")
        try Data(count: ReportHTML.maximumFigureBytes + 1).write(to: huge)
        let markdown = """
        ![up](../\(outside.lastPathComponent))

        ![absolute](\(outside.path))

        ![missing](nothing.svg)

        ![huge](huge.svg)

        ![hidden](.env)
        """
        let html = ReportHTML.render(markdown: markdown, title: "t", folder: dir)
        #expect(!html.contains("classified"), "a file outside the report folder was inlined")
        #expect(!html.contains("<figure"))
        #expect(html.contains("src=\"nothing.svg\"") && html.contains("src=\"huge.svg\""))
    }
}
