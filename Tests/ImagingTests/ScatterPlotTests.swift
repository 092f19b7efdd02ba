import Foundation
import Testing
@testable import Imaging

@Suite struct ScatterPlotTests {
  /// Ten Gaussian-ish clusters of 1,000 points each, as a 2-D latent space might look.
  func clusters(count: Int = 10_000) -> [ScatterPlot.Point] {
    var rng = SplitMix(seed: 5)
    return (0..<count).map { i in
      let c = i % 10
      let angle = Double(c) / 10 * 2 * Double.pi
      let r = (rng.uniform(0, 1) + rng.uniform(0, 1) - 1) * 0.8
      let s = (rng.uniform(0, 1) + rng.uniform(0, 1) - 1) * 0.8
      return .init(x: 2.5 * cos(angle) + r, y: 2.5 * sin(angle) + s, category: c)
    }
  }

  @Test func tenThousandPointsParseAndStayInside() throws {
    let plot = ScatterPlot(title: "Latent means (test set)", xLabel: "z1", yLabel: "z2", points: clusters())
    let svg = plot.svg()
    let xml = try ParsedXML(svg)
    let circles = xml.all("circle")
    let data = circles.filter { $0.ancestors.last == "g" }
    #expect(data.count == 10_000)
    #expect(circles.count == 10_010, "10,000 points plus 10 legend dots")
    let area = xml.all("rect")[1]
    let (x0, y0) = (area.number("x")!, area.number("y")!)
    let (x1, y1) = (x0 + area.number("width")!, y0 + area.number("height")!)
    #expect(data.allSatisfy { ($0.number("cx")!, $0.number("cy")!) >= (x0, y0) && $0.number("cx")! <= x1 && $0.number("cy")! <= y1 })
    // Colour follows category: point i has category i % 10.
    #expect(data[3].attributes["fill"] == Palette.colour(3) && data[13].attributes["fill"] == Palette.colour(3))
    let legend = xml.all("text").filter { $0.number("x")! > x1 }.map(\.text)
    #expect(legend == (0...9).map(String.init))
    #expect(svg.utf8.count < 700_000, "SVG is \(svg.utf8.count) bytes")
  }

  @Test func legendListsOnlyCategoriesPresentWithTheirNames() throws {
    let points: [ScatterPlot.Point] = [.init(x: 0, y: 0, category: 7), .init(x: 1, y: 1, category: 2), .init(x: .nan, y: 1, category: 4)]
    let plot = ScatterPlot(points: points, categoryNames: ["zero", "one", "two & <two>"])
    let xml = try ParsedXML(plot.svg())
    let texts = xml.all("text").map(\.text)
    #expect(texts.contains("two & <two>") && texts.contains("7"))
    #expect(!texts.contains("4"))  // its only point was not finite
    #expect(xml.all("circle").filter { $0.ancestors.last == "g" }.count == 2)
  }
}
