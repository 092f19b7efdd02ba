import Foundation
import Testing
import TestSupport
@testable import Imaging

@Suite struct LinePlotTests {
  func lossPlot() -> LinePlot {
    var plot = LinePlot(title: "Loss <per epoch> & \"nats\"", xLabel: "epoch", yLabel: "loss (nats)")
    let epochs = (1...10).map(Double.init)
    plot.add(.init(name: "train", x: epochs, y: epochs.map { 100 + 60 / $0 }, colourIndex: 0))
    plot.add(.init(name: "test", x: epochs, y: epochs.map { 104 + 55 / $0 }, colourIndex: 0, dashed: true))
    return plot
  }

  /// The plot area: the first rect after the full-size background.
  func plotArea(_ xml: ParsedXML) -> (x: Double, y: Double, w: Double, h: Double) {
    let r = xml.all("rect")[1]
    return (r.number("x")!, r.number("y")!, r.number("width")!, r.number("height")!)
  }

  func points(_ polyline: ParsedXML.Element) -> [(Double, Double)] {
    (polyline.attributes["points"] ?? "").split(separator: " ").map {
      let p = $0.split(separator: ",").compactMap { Double($0) }
      return (p[0], p[1])
    }
  }

  @Test func isWellFormedWithEscapedTitleAndLegend() throws {
    let xml = try ParsedXML(lossPlot().svg())
    #expect(xml.elements.first?.name == "svg")
    let texts = xml.all("text").map(\.text)
    #expect(texts.contains("Loss <per epoch> & \"nats\""))
    #expect(texts.contains("train") && texts.contains("test"))
    #expect(texts.contains("epoch") && texts.contains("loss (nats)"))
    #expect(xml.all("polyline").count == 2)
    #expect(xml.all("polyline")[1].attributes["stroke-dasharray"] != nil)
  }

  @Test func dataStaysInsideThePlotAreaAndTheLegendOutsideIt() throws {
    let xml = try ParsedXML(lossPlot().svg())
    let area = plotArea(xml)
    for line in xml.all("polyline") {
      for (x, y) in points(line) {
        #expect(x >= area.x && x <= area.x + area.w && y >= area.y && y <= area.y + area.h, "point (\(x), \(y)) outside \(area)")
      }
    }
    // Legend box: the third rect; it starts right of the plot area.
    let legend = xml.all("rect")[2]
    #expect(legend.number("x")! > area.x + area.w)
    #expect(legend.number("x")! + legend.number("width")! <= 640)
  }

  @Test func pointsLandOnTheirTicks() throws {
    var plot = LinePlot(xLabel: "x", yLabel: "y")
    plot.add(.init(name: "diagonal", x: [0, 10], y: [0, 1]))
    let xml = try ParsedXML(plot.svg())
    let line = points(xml.all("polyline")[0])
    let area = plotArea(xml)
    // x axis 0...10, y axis 0...1: the line runs corner to corner.
    #expect(line.count == 2)
    #expect(abs(line[0].0 - area.x) < 0.01 && abs(line[0].1 - (area.y + area.h)) < 0.01, "start \(line[0]), area \(area)")
    #expect(abs(line[1].0 - (area.x + area.w)) < 0.01 && abs(line[1].1 - area.y) < 0.01, "end \(line[1]), area \(area)")
    // The x tick label "10" is centred on the right edge.
    let ten = xml.all("text").first { $0.text == "10" }
    #expect(ten.flatMap { $0.number("x") }.map { abs($0 - (area.x + area.w)) < 0.01 } == true)
  }

  @Test func nonFinitePointsBreakTheLine() throws {
    var plot = LinePlot()
    plot.add(.init(name: "diverged", x: [1, 2, 3, 4, 5, 6], y: [5, 4, .nan, 3, 2, .infinity]))
    let xml = try ParsedXML(plot.svg())
    // Runs 1-2 and 4-5 become lines; 6 is dropped.
    #expect(xml.all("polyline").count == 2)
    #expect(xml.all("polyline").map { points($0).count } == [2, 2])
  }

  @Test func logAxisDropsNonPositiveValues() throws {
    var plot = LinePlot(logY: true)
    plot.add(.init(name: "kl", x: [1, 2, 3, 4], y: [0, 150, 300, 600]))
    let xml = try ParsedXML(plot.svg())
    #expect(xml.all("polyline").map { points($0).count } == [3])
    let labels = Set(xml.all("text").map(\.text))
    #expect(labels.isSuperset(of: ["100", "200", "500", "1000"]))
  }

  @Test func loneValidPointsGetADot() throws {
    var plot = LinePlot(showsMarkers: false)
    plot.add(.init(name: "one", x: [1], y: [2]))
    let xml = try ParsedXML(plot.svg())
    #expect(xml.all("polyline").isEmpty)
    // One data dot; legend swatches are lines, so no other circles.
    #expect(xml.all("circle").count == 1)
  }

  @Test func emptyPlotStillDrawsAxes() throws {
    let xml = try ParsedXML(LinePlot(title: "nothing yet").svg())
    #expect(xml.all("text").map(\.text).contains("nothing yet"))
    #expect(xml.all("polyline").isEmpty)
  }

  @Test func writeSVGWritesTheDocument() throws {
    let folder = try TemporaryFolder("imaging-svg")
    defer { folder.remove() }
    try lossPlot().writeSVG(to: folder.file("loss.svg"))
    #expect(try String(contentsOfFile: folder.file("loss.svg"), encoding: .utf8) == lossPlot().svg())
  }
}
