import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Enpire

@Suite("LinePlot")
struct LinePlotTests {
    /// Element names and attributes of a well-formed SVG document, in order; fails on malformed XML.
    private func elements(_ svg: String) throws -> [(name: String, attributes: [String: String], text: String)] {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [(name: String, attributes: [String: String], text: String)] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.append((name, attributes, ""))
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if !elements.isEmpty { elements[elements.count - 1].text += string }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        try #require(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        return collector.elements
    }

    @Test func drawsEachSeriesInItsColourWithTextLabels() throws {
        let plot = LinePlot(title: "Success <dev & held-out>", xLabel: "robot hours", yLabel: "rate", series: [
            .init(label: "a", points: [(0, 0), (1, 0.5), (2, 0.9)]),
            .init(label: "b", points: [(0, 0.1), (2, 0.2)]),
        ], yRange: 0...1, referenceLines: [0.95])
        let svg = plot.svg(width: 400, height: 300)
        let parsed = try elements(svg)
        #expect(parsed.first?.name == "svg" && parsed.first?.attributes["width"] == "400")
        let lines = parsed.filter { $0.name == "polyline" }.compactMap { $0.attributes["stroke"] }
        #expect(lines == ["#1e1e1e", LinePlot.palette[0], LinePlot.palette[1]])
        #expect(parsed.filter { $0.name == "circle" }.count == 5)
        // Characters between elements (the line breaks) land on the element before them: trim them.
        let texts = parsed.filter { $0.name == "text" }.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(texts.contains("Success <dev & held-out>") && texts.contains("robot hours") && texts.contains("rate"))
        #expect(texts.contains("0.2") && texts.contains("a") && texts.contains("b"))
        #expect(parsed.contains { $0.attributes["stroke-dasharray"] != nil })
    }

    @Test func survivesDegenerateData() throws {
        let plot = LinePlot(title: "x", xLabel: "", yLabel: "", series: [
            .init(label: "nan", points: [(.nan, .infinity), (1, 1), (1, 1), (1e300, -1e300)]),
        ])
        let parsed = try elements(plot.svg(width: 120, height: 90))
        #expect(parsed.filter { $0.name == "circle" }.count == 3)
    }

    @Test func formatsTicks() {
        #expect(LinePlot.format(3) == "3")
        #expect(LinePlot.format(0.25) == "0.25")
        #expect(LinePlot.format(12.34) == "12.3")
        #expect(LinePlot.format(-1e300) == "-1e+300")
    }
}
