/// Escaping shared by the SVG and HTML writers.
enum Markup {
  /// `text` made safe inside XML/HTML text and quoted attribute values:
  /// `& < > " '` become entities, and control characters XML 1.0 forbids
  /// (all below U+0020 except tab, newline, carriage return) become U+FFFD.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
        out += "\u{FFFD}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A coordinate or length for SVG: at most two decimals, no trailing zeros,
  /// "0" for non-finite values (they never reach a drawing on purpose).
  static func number(_ value: Double) -> String {
    let hundredths = (value * 100).rounded()
    guard hundredths.isFinite, abs(hundredths) < 1e15 else { return "0" }
    let n = Int(hundredths)
    let whole = n.magnitude / 100
    let fraction = n.magnitude % 100
    let sign = n < 0 ? "-" : ""
    if fraction == 0 { return sign + String(whole) }
    if fraction % 10 == 0 { return sign + String(whole) + "." + String(fraction / 10) }
    return sign + String(whole) + "." + (fraction < 10 ? "0" : "") + String(fraction)
  }
}
