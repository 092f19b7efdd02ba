import Foundation
import Testing
@testable import Imaging

/// The table features of HTMLPage used by summaries of many runs: column groups,
/// flagged rows with notes, missing values, warnings, several links in a cell, wide pages.
@Suite struct HTMLTableTests {
  func page(_ table: HTMLPage.Table, wide: Bool = false) -> String {
    var page = HTMLPage(title: "t", sections: [HTMLPage.Section(title: "s", blocks: [.table(table)])])
    page.wide = wide
    return page.html()
  }

  @Test func withoutGroupsTheHeaderIsOneRowAsBefore() throws {
    let html = page(HTMLPage.Table(header: ["a", "b"], rows: [["1", .number("2")]]))
    #expect(html.contains("<thead><tr><th>a</th><th>b</th></tr></thead>"), "\(html)")
    #expect(html.contains("<tbody>\n<tr><td>1</td><td class=\"number\">2</td></tr>\n</tbody>"), "\(html)")
    #expect(html.contains("<body>\n"))
  }

  @Test func groupsSpanTheirColumnsAndUngroupedHeadersSpanBothRows() throws {
    let table = HTMLPage.Table(
      header: ["run", "total", "recon", "KL", "time"], rows: [],
      groups: [.init(nil, columns: 1), .init("ELBO <nats>", columns: 3), .init(nil, columns: 1)])
    let xml = try ParsedXML(page(table))
    let rows = xml.all("tr")
    #expect(rows.count == 2, "two header rows, no body rows")
    let cells = xml.all("th")
    #expect(cells.map(\.text) == ["run", "ELBO <nats>", "time", "total", "recon", "KL"], "\(cells.map(\.text))")
    #expect(cells[0].attributes["rowspan"] == "2" && cells[2].attributes["rowspan"] == "2")
    #expect(cells[1].attributes["colspan"] == "3" && cells[1].attributes["class"] == "group")
    #expect(cells[3...].allSatisfy { $0.attributes["rowspan"] == nil && $0.attributes["colspan"] == nil })
    // Columns covered by the first row: the ungrouped ones plus the group's span.
    let covered = cells[0..<3].reduce(0) { $0 + (Int($1.attributes["colspan"] ?? "1") ?? 0) }
    #expect(covered == table.header.count)
  }

  @Test func flaggedRowsAndNotesAreMarkedAndSpanTheTable() throws {
    var table = HTMLPage.Table(
      header: ["a", "b", "c"], rows: [["ok", "1", "2"], ["bad", "3", "4"], ["odd", "5", "6"]],
      groups: [], flaggedRows: [1], notes: [1: "config.json: not valid JSON & worse", 2: "a plain note"])
    let xml = try ParsedXML(page(table))
    let rows = xml.all("tr").dropFirst().map { $0.attributes["class"] }
    #expect(rows == [nil, "flagged", "note flagged", nil, "note"], "\(rows)")
    let notes = xml.all("td").filter { $0.attributes["colspan"] != nil }
    #expect(notes.map(\.text) == ["config.json: not valid JSON & worse", "a plain note"], "\(notes.map(\.text))")
    #expect(notes.allSatisfy { $0.attributes["colspan"] == "3" })
    table.notes = [:]
    table.flaggedRows = []
    #expect(try ParsedXML(page(table)).all("tr").allSatisfy { $0.attributes["class"] == nil })
  }

  @Test func missingWarningAndLinkCells() throws {
    let table = HTMLPage.Table(
      header: ["a", "b", "c", "d", "e"],
      rows: [[
        .missing(reason: "not evaluated yet: \"metrics.json\" <none>"), .warning("unreadable"),
        .links([.init("plain", href: "../render/plain/index.html"), .init("plain-small", href: "../render/a&b/index.html"), .init("x", href: "x.html")]),
        .links([.init("only", href: "only.html")]), .links([]),
      ]])
    let html = page(table)
    let xml = try ParsedXML(html)
    let cells = xml.all("td")
    #expect(cells.count == 5)
    #expect(cells[0].text == "\u{2013}" && cells[0].attributes["class"] == "missing")
    #expect(cells[0].attributes["title"] == "not evaluated yet: \"metrics.json\" <none>", "the reason comes back after escaping")
    #expect(cells[1].text == "unreadable" && cells[1].attributes["class"] == "warning")
    let anchors = xml.all("a")
    #expect(anchors.map(\.text) == ["plain", "plain-small", "x", "only"])
    #expect(anchors.map { $0.attributes["href"] ?? "" } == ["../render/plain/index.html", "../render/a&b/index.html", "x.html", "only.html"])
    #expect(anchors[0].ancestors.last == "td" && anchors[1].ancestors.last == "span" && anchors[2].ancestors.last == "span")
    #expect(anchors[3].ancestors.last == "td", "a single link has no 'also' line")
    #expect(xml.all("span").map { $0.attributes["class"] } == ["more"])
    #expect(html.contains("<span class=\"more\">also <a"), "\(html)")
    #expect(html.contains("<td></td>"), "no links gives an empty cell")
  }

  @Test func aWidePageMarksItsBody() throws {
    let table = HTMLPage.Table(header: ["a"], rows: [["1"]])
    #expect(page(table, wide: true).contains("<body class=\"wide\">\n"))
    #expect(!page(table).contains("class=\"wide\""))
    #expect(HTMLPage.style.contains("body.wide { max-width: none; }"))
  }
}
