/// Collects SVG elements as text; the plots draw on it. Every piece of
/// caller text goes through `Markup.escape`.
struct SVGCanvas {
  enum Anchor: String {
    case start, middle, end
  }

  let width: Int
  let height: Int
  private(set) var body = ""

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// The standalone document: white background, one font family for all text.
  func document() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\""
      + " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      + "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
      + body + "</svg>\n"
  }

  mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
    body += "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
    if let dash { body += " stroke-dasharray=\"\(dash)\"" }
    body += "/>\n"
  }

  mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil) {
    body += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\""
    if let stroke { body += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
    body += "/>\n"
  }

  mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, opacity: Double? = nil) {
    body += "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(fill)\""
    if let opacity { body += " fill-opacity=\"\(n(opacity))\"" }
    body += "/>\n"
  }

  mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double, dash: String? = nil) {
    body += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
    if let dash { body += " stroke-dasharray=\"\(dash)\"" }
    body += " points=\"" + points.map { n($0.0) + "," + n($0.1) }.joined(separator: " ") + "\"/>\n"
  }

  /// Text with its baseline at `y`; `rotation` turns it about (x, y) in degrees.
  mutating func text(
    _ string: String, x: Double, y: Double, size: Double, anchor: Anchor = .start,
    bold: Bool = false, fill: String = "#222222", rotation: Double? = nil
  ) {
    body += "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" fill=\"\(fill)\""
    if anchor != .start { body += " text-anchor=\"\(anchor.rawValue)\"" }
    if bold { body += " font-weight=\"bold\"" }
    if let rotation { body += " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" }
    body += ">" + Markup.escape(string) + "</text>\n"
  }

  mutating func raw(_ text: String) {
    body += text
  }

  private func n(_ v: Double) -> String { Markup.number(v) }
}
