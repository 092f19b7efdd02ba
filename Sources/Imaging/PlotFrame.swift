/// The parts line and scatter plots share: margins, the plot area, grid
/// lines, axes with ticks and labels, the title, and a legend placed to the
/// right of the plot area so it can never cover the data.
struct PlotFrame {
  /// One legend row: a swatch in `colour` and `name`.
  struct LegendEntry {
    enum Swatch { case line(dashed: Bool), dot }
    var name: String
    var colour: String
    var swatch: Swatch
  }

  static let titleSize = 15.0
  static let labelSize = 13.0
  static let tickSize = 11.0
  static let legendSize = 12.0
  static let legendRow = 18.0

  let width: Int
  let height: Int
  let left: Double
  let top: Double
  let right: Double
  let bottom: Double
  let xTicks: AxisTicks
  let yTicks: AxisTicks

  /// Estimated width of `text` at `size`: sans-serif digits and lower-case
  /// letters average a little under 0.6 em, so this errs towards more room.
  static func textWidth(_ text: String, size: Double) -> Double {
    Double(text.count) * size * 0.62
  }

  /// Lays out the frame. `xTicksFor`/`yTicksFor` get the plot area's width or
  /// height in pixels, so the number of ticks can follow the size.
  init(
    width: Int, height: Int, title: String, xLabel: String, yLabel: String, legend: [LegendEntry],
    xTicksFor: (Double) -> AxisTicks, yTicksFor: (Double) -> AxisTicks
  ) {
    self.width = width
    self.height = height
    top = title.isEmpty ? 16 : 40
    let bottomMargin = 8 + 16 + (xLabel.isEmpty ? 0 : 22) + 8.0
    bottom = Double(height) - bottomMargin
    let legendWidth = legend.isEmpty ? 0 : 16 + 28 + (legend.map { Self.textWidth($0.name, size: Self.legendSize) }.max() ?? 0) + 10
    right = Double(width) - 16 - legendWidth
    let yTicks = yTicksFor(bottom - top)
    let tickLabelWidth = yTicks.labels.map { Self.textWidth($0, size: Self.tickSize) }.max() ?? 0
    left = (yLabel.isEmpty ? 8 : 26) + tickLabelWidth + 10
    self.yTicks = yTicks
    xTicks = xTicksFor(Swift.max(1, right - left))
  }

  /// The horizontal pixel for data value `v`.
  func x(_ v: Double) -> Double { left + xTicks.fraction(v) * (right - left) }
  /// The vertical pixel for data value `v` (SVG's y grows downwards).
  func y(_ v: Double) -> Double { bottom - yTicks.fraction(v) * (bottom - top) }

  /// Draws grid lines, axes, ticks, tick labels, axis labels and the title
  /// (everything that goes under the data).
  func drawBackground(on canvas: inout SVGCanvas, title: String, xLabel: String, yLabel: String) {
    canvas.rect(left, top, right - left, bottom - top, fill: "#ffffff", stroke: "#cccccc")
    for v in xTicks.values.dropFirst().dropLast() { canvas.line(x(v), top, x(v), bottom, stroke: "#ebebeb") }
    for v in yTicks.values.dropFirst().dropLast() { canvas.line(left, y(v), right, y(v), stroke: "#ebebeb") }
    canvas.line(left, bottom, right, bottom, stroke: "#333333")
    canvas.line(left, top, left, bottom, stroke: "#333333")
    for (v, label) in zip(xTicks.values, xTicks.labels) {
      canvas.line(x(v), bottom, x(v), bottom + 5, stroke: "#333333")
      canvas.text(label, x: x(v), y: bottom + 8 + Self.tickSize, size: Self.tickSize, anchor: .middle, fill: "#333333")
    }
    for (v, label) in zip(yTicks.values, yTicks.labels) {
      canvas.line(left - 5, y(v), left, y(v), stroke: "#333333")
      canvas.text(label, x: left - 8, y: y(v) + Self.tickSize * 0.35, size: Self.tickSize, anchor: .end, fill: "#333333")
    }
    if !xLabel.isEmpty {
      canvas.text(xLabel, x: (left + right) / 2, y: bottom + 8 + 16 + Self.labelSize + 4, size: Self.labelSize, anchor: .middle)
    }
    if !yLabel.isEmpty {
      canvas.text(yLabel, x: 8 + Self.labelSize, y: (top + bottom) / 2, size: Self.labelSize, anchor: .middle, rotation: -90)
    }
    if !title.isEmpty {
      canvas.text(title, x: (left + right) / 2, y: 24, size: Self.titleSize, anchor: .middle, bold: true)
    }
  }

  /// Draws the legend to the right of the plot area, top-aligned with it.
  func drawLegend(_ entries: [LegendEntry], on canvas: inout SVGCanvas) {
    guard !entries.isEmpty else { return }
    let x0 = right + 16
    let boxWidth = 28 + (entries.map { Self.textWidth($0.name, size: Self.legendSize) }.max() ?? 0) + 10
    canvas.rect(x0, top, boxWidth, Double(entries.count) * Self.legendRow + 8, fill: "#ffffff", stroke: "#cccccc")
    for (i, entry) in entries.enumerated() {
      let mid = top + 4 + (Double(i) + 0.5) * Self.legendRow
      switch entry.swatch {
      case .line(let dashed):
        canvas.line(x0 + 6, mid, x0 + 24, mid, stroke: entry.colour, width: 2, dash: dashed ? "5 3" : nil)
      case .dot:
        canvas.circle(x0 + 15, mid, r: 4, fill: entry.colour)
      }
      canvas.text(entry.name, x: x0 + 30, y: mid + Self.legendSize * 0.35, size: Self.legendSize)
    }
  }
}
