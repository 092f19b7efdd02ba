import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an XML document in document order, as parsed by
/// Foundation's XMLParser: a well-formedness check plus easy lookups.
struct ParsedXML {
  struct Element {
    let name: String
    let attributes: [String: String]
    var text: String
    /// Names of the enclosing elements, outermost first.
    let ancestors: [String]

    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
  }

  let elements: [Element]

  struct Malformed: Error, CustomStringConvertible {
    let detail: String
    var description: String { "not well-formed XML: \(detail)" }
  }

  init(_ text: String) throws {
    let collector = Collector()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = collector
    guard parser.parse() else {
      throw Malformed(detail: "\(parser.parserError.map { "\($0)" } ?? "unknown") at line \(parser.lineNumber)")
    }
    elements = collector.elements
  }

  func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

  private final class Collector: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    var open: [Int] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
      elements.append(Element(name: name, attributes: attributes, text: "", ancestors: open.map { elements[$0].name }))
      open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
      open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      if let last = open.last { elements[last].text += string }
    }
  }
}
