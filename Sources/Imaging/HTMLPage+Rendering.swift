extension HTMLPage {
  /// The stylesheet inlined in every page: readable width, quiet tables,
  /// crisp (pixelated) scaling of digit images. No `<` or `&` in it, so it is
  /// also valid XML text.
  static let style = """
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; background: #fff;
      max-width: 1100px; margin: 24px auto; padding: 0 16px; line-height: 1.45; }
    h1 { font-size: 1.6em; margin-bottom: 0.2em; }
    h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
    p.subtitle { color: #666; margin-top: 0; }
    nav ul { padding-left: 1.2em; margin: 0.4em 0; }
    div.figures { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
    figure { margin: 8px 0; }
    figure img { image-rendering: pixelated; image-rendering: crisp-edges; display: block; }
    figure svg { display: block; max-width: 100%; height: auto; }
    figcaption { font-size: 0.9em; color: #444; margin-top: 4px; max-width: 640px; }
    table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
    th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
    th { background: #f4f4f4; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    table.keyvalues th { font-weight: normal; color: #444; }
    body.wide { max-width: none; }
    body.wide table { font-size: 0.8em; }
    body.wide th, body.wide td { padding: 3px 5px; }
    th.group { text-align: center; }
    body.wide th, td.number, td.missing, td.links { white-space: nowrap; }
    td.missing { text-align: right; color: #999; }
    td.warning { color: #a40000; }
    tr.flagged td { background: #fff1f0; }
    tr.note td { font-size: 0.92em; border-top-style: dashed; padding-left: 2em; }
    tr.note.flagged td { color: #a40000; }
    span.more { display: block; font-size: 0.85em; color: #666; }
    """

  /// The whole document.
  public func html() -> String {
    var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
    out += "<title>\(e(title))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n"
    out += wide ? "<body class=\"wide\">\n" : "<body>\n"
    out += "<h1>\(e(title))</h1>\n"
    if let subtitle { out += "<p class=\"subtitle\">\(e(subtitle))</p>\n" }
    if sections.count > 1 {
      out += "<nav><ul>\n"
      for (i, section) in sections.enumerated() {
        out += "<li><a href=\"#section-\(i + 1)\">\(e(section.title))</a></li>\n"
      }
      out += "</ul></nav>\n"
    }
    for (i, section) in sections.enumerated() {
      out += "<section id=\"section-\(i + 1)\">\n<h2>\(e(section.title))</h2>\n"
      for block in section.blocks { out += render(block) }
      out += "</section>\n"
    }
    out += "</body>\n</html>\n"
    return out
  }

  func render(_ block: Block) -> String {
    switch block {
    case .paragraph(let text):
      return "<p>\(e(text))</p>\n"
    case .figures(let figures):
      return "<div class=\"figures\">\n" + figures.map(render).joined() + "</div>\n"
    case .keyValues(let pairs):
      var out = "<table class=\"keyvalues\">\n"
      for pair in pairs { out += "<tr><th scope=\"row\">\(e(pair.key))</th>\(render(pair.value))</tr>\n" }
      return out + "</table>\n"
    case .table(let table):
      var out = "<table>\n<thead>" + headerRows(table) + "</thead>\n<tbody>\n"
      for (i, row) in table.rows.enumerated() {
        let flagged = table.flaggedRows.contains(i)
        out += (flagged ? "<tr class=\"flagged\">" : "<tr>") + row.map(render).joined() + "</tr>\n"
        if let note = table.notes[i] {
          out += "<tr class=\"\(flagged ? "note flagged" : "note")\"><td colspan=\"\(max(1, table.header.count))\">\(e(note))</td></tr>\n"
        }
      }
      return out + "</tbody>\n</table>\n"
    }
  }

  /// One header row, or two when the table has column groups: titled groups span
  /// their columns above those columns' headers; ungrouped headers span both rows.
  func headerRows(_ table: Table) -> String {
    guard !table.groups.isEmpty else {
      return "<tr>" + table.header.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
    }
    var top = "<tr>", bottom = "<tr>"
    var column = 0
    for group in table.groups {
      let names = table.header[column..<column + group.columns]
      column += group.columns
      if let title = group.title {
        top += "<th class=\"group\" colspan=\"\(group.columns)\">\(e(title))</th>"
        bottom += names.map { "<th>\(e($0))</th>" }.joined()
      } else {
        top += names.map { "<th rowspan=\"2\">\(e($0))</th>" }.joined()
      }
    }
    return top + "</tr>\n" + bottom + "</tr>"
  }

  func render(_ figure: Figure) -> String {
    // A figure whose image has a set width keeps its caption to that width, so figures
    // side by side in a row stay as narrow as their images.
    var out = "<figure>\n"
    if case .image(_, _, let width?) = figure.content { out = "<figure style=\"max-width: \(width)px\">\n" }
    switch figure.content {
    case let .image(source, alt, width):
      out += "<img src=\"\(e(source))\" alt=\"\(e(alt))\""
      if let width { out += " width=\"\(width)\"" }
      out += "/>\n"
    case .svg(let document):
      out += Self.inlinable(document)
    }
    return out + "<figcaption>\(e(figure.caption))</figcaption>\n</figure>\n"
  }

  func render(_ cell: Cell) -> String {
    switch cell {
    case .text(let text): return "<td>\(e(text))</td>"
    case .number(let text): return "<td class=\"number\">\(e(text))</td>"
    case let .link(text, href): return "<td><a href=\"\(e(href))\">\(e(text))</a></td>"
    case .missing(let reason): return "<td class=\"missing\" title=\"\(e(reason))\">\u{2013}</td>"
    case .warning(let text): return "<td class=\"warning\">\(e(text))</td>"
    case .links(let links):
      guard let first = links.first else { return "<td></td>" }
      var out = "<td class=\"links\">" + anchor(first)
      if links.count > 1 {
        out += "<span class=\"more\">also " + links.dropFirst().map(anchor).joined(separator: ", ") + "</span>"
      }
      return out + "</td>"
    }
  }

  private func anchor(_ link: Link) -> String {
    "<a href=\"\(e(link.href))\">\(e(link.text))</a>"
  }

  /// An SVG document without an XML declaration (not allowed mid-page).
  static func inlinable(_ document: String) -> String {
    guard document.hasPrefix("<?xml"), let end = document.firstRange(of: "?>") else { return document }
    return String(document[end.upperBound...].drop { $0 == "\n" || $0 == " " })
  }

  private func e(_ text: String) -> String { Markup.escape(text) }
}
