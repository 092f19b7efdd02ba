import Foundation
import Testing
import TestSupport
@testable import Imaging

@Suite struct HTMLPageTests {
  func page() -> HTMLPage {
    var page = HTMLPage(title: "Run <denoise> & friends", subtitle: "made by vae-render")
    var figures = HTMLPage.Section(title: "Figures")
    figures.add(.figure(.image("recon.png", caption: "original / noisy / restored", width: 560)))
    var plot = LinePlot(title: "loss")
    plot.add(.init(name: "train", x: [1, 2], y: [3, 2]))
    figures.add(.figures([.svg("<?xml version=\"1.0\"?>\n" + plot.svg(), caption: "loss \"curves\"")]))
    page.add(figures)
    var numbers = HTMLPage.Section(title: "Numbers")
    numbers.add(.keyValues([.init("learning rate", "0.001"), .init("note", "a < b && c > d")]))
    numbers.add(.table(.init(
      header: ["run", "ELBO", "report"],
      rows: [["denoise", .number("-104.2"), .link("open", href: "runs/a b/index.html?x=1&y='2'")]])))
    numbers.add(.paragraph("Done. <script>alert(1)</script>"))
    page.add(numbers)
    return page
  }

  @Test func isWellFormedAndSelfContained() throws {
    let html = page().html()
    let xml = try ParsedXML(html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(!html.contains("<script"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("src=\"http") && !html.contains("url("))
    #expect(!html.contains("<?xml"), "inline SVG keeps no XML declaration")
    #expect(xml.all("style").count == 1)
    #expect(xml.all("svg").count == 1)
  }

  @Test func textComesBackExactlyAfterEscaping() throws {
    let xml = try ParsedXML(page().html())
    #expect(xml.all("title").first?.text == "Run <denoise> & friends")
    #expect(xml.all("h1").first?.text == "Run <denoise> & friends")
    #expect(xml.all("p").map(\.text).contains("Done. <script>alert(1)</script>"))
    #expect(xml.all("td").map(\.text).contains("a < b && c > d"))
    #expect(xml.all("figcaption").map(\.text) == ["original / noisy / restored", "loss \"curves\""])
    let link = xml.all("a").first { $0.text == "open" }
    #expect(link?.attributes["href"] == "runs/a b/index.html?x=1&y='2'")
  }

  @Test func figuresTablesAndContents() throws {
    let xml = try ParsedXML(page().html())
    let img = xml.all("img").first
    #expect(img?.attributes["src"] == "recon.png" && img?.attributes["width"] == "560")
    #expect(img?.attributes["alt"] == "original / noisy / restored")
    #expect(xml.all("th").filter { $0.ancestors.contains("thead") }.map(\.text) == ["run", "ELBO", "report"])
    #expect(xml.all("th").filter { $0.attributes["scope"] == "row" }.map(\.text) == ["learning rate", "note"])
    #expect(xml.all("td").first { $0.text == "-104.2" }?.attributes["class"] == "number")
    // Two sections: a table of contents linking to both.
    #expect(xml.all("a").compactMap { $0.attributes["href"] }.prefix(2) == ["#section-1", "#section-2"])
    #expect(xml.all("section").compactMap { $0.attributes["id"] } == ["section-1", "section-2"])
  }

  @Test func oneSectionNeedsNoContents() throws {
    let xml = try ParsedXML(HTMLPage(title: "t", sections: [.init(title: "only")]).html())
    #expect(xml.all("nav").isEmpty)
  }

  @Test func writeStoresThePage() throws {
    let folder = try TemporaryFolder("imaging-html")
    defer { folder.remove() }
    try page().write(to: folder.file("index.html"))
    #expect(try String(contentsOfFile: folder.file("index.html"), encoding: .utf8) == page().html())
  }
}
