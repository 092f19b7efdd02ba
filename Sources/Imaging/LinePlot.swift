import DataFiles

/// One (x, y) data point of a plot.
public struct PlotPoint: Sendable, Equatable {
  public var x: Double
  public var y: Double
  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }
}

/// A line chart as standalone SVG text: several named series (loss per epoch,
/// PSNR per noise level, ...), nice ticks, axis labels, title and legend.
///
/// Points with a non-finite coordinate (or y <= 0 on a log axis) are left
/// out and break the line there, so one diverged epoch shows as a gap.
public struct LinePlot: Sendable, Equatable {
  /// A named line; by default it takes the palette colour of its position.
  public struct Series: Sendable, Equatable {
    public var name: String
    public var points: [PlotPoint]
    /// Palette index (see `Palette.colour`); nil uses the series' position.
    public var colourIndex: Int?
    /// Dashed lines tell e.g. test from train curves of the same colour.
    public var dashed: Bool

    public init(name: String, points: [PlotPoint], colourIndex: Int? = nil, dashed: Bool = false) {
      self.name = name
      self.points = points
      self.colourIndex = colourIndex
      self.dashed = dashed
    }

    /// A series from parallel arrays; they must have the same length.
    public init(name: String, x: [Double], y: [Double], colourIndex: Int? = nil, dashed: Bool = false) {
      precondition(x.count == y.count, "series \(name): \(x.count) x values but \(y.count) y values")
      self.init(name: name, points: zip(x, y).map { PlotPoint(x: $0, y: $1) }, colourIndex: colourIndex, dashed: dashed)
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  /// A logarithmic y axis (ticks on powers of ten).
  public var logY: Bool
  /// Size of the whole figure in pixels.
  public var width: Int
  public var height: Int
  /// Dots on the data points; nil shows them when no series has more than 40 points.
  public var showsMarkers: Bool?

  public init(
    title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [], logY: Bool = false,
    width: Int = 640, height: Int = 400, showsMarkers: Bool? = nil
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
    self.logY = logY
    self.width = width
    self.height = height
    self.showsMarkers = showsMarkers
  }

  public mutating func add(_ s: Series) {
    series.append(s)
  }

  /// Whether a point can be drawn on this plot's axes.
  func drawable(_ p: PlotPoint) -> Bool {
    p.x.isFinite && p.y.isFinite && (!logY || p.y > 0)
  }

  /// The SVG document.
  public func svg() -> String {
    let kept = series.flatMap { $0.points.filter(drawable) }
    let xs = kept.map(\.x)
    let ys = kept.map(\.y)
    let legend = series.enumerated().map { i, s in
      PlotFrame.LegendEntry(name: s.name, colour: Palette.colour(s.colourIndex ?? i), swatch: .line(dashed: s.dashed))
    }
    let frame = PlotFrame(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend,
      xTicksFor: { pixels in
        AxisTicks.linear(from: xs.min() ?? 0, to: xs.max() ?? 1, targetCount: Swift.max(2, Int(pixels / 90)))
      },
      yTicksFor: { pixels in
        logY
          ? AxisTicks.logarithmic(from: ys.min() ?? 1, to: ys.max() ?? 10)
          : AxisTicks.linear(from: ys.min() ?? 0, to: ys.max() ?? 1, targetCount: Swift.max(2, Int(pixels / 60)))
      })
    var canvas = SVGCanvas(width: width, height: height)
    frame.drawBackground(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
    let markers = showsMarkers ?? (series.map(\.points.count).max() ?? 0 <= 40)
    for (i, s) in series.enumerated() {
      let colour = Palette.colour(s.colourIndex ?? i)
      var run: [(Double, Double)] = []
      func flush() {
        if run.count > 1 { canvas.polyline(run, stroke: colour, width: 2, dash: s.dashed ? "6 4" : nil) }
        run.removeAll()
      }
      for p in s.points {
        if drawable(p) { run.append((frame.x(p.x), frame.y(p.y))) } else { flush() }
      }
      flush()
      // A lone point has no line, so it always gets a dot.
      for (index, p) in s.points.enumerated() where drawable(p) {
        let alone = !(index > 0 && drawable(s.points[index - 1])) && !(index + 1 < s.points.count && drawable(s.points[index + 1]))
        if markers || alone { canvas.circle(frame.x(p.x), frame.y(p.y), r: 3, fill: colour) }
      }
    }
    frame.drawLegend(legend, on: &canvas)
    return canvas.document()
  }

  /// Writes the SVG atomically to `path`.
  public func writeSVG(to path: String) throws {
    try AtomicFile.write(text: svg(), to: path)
  }
}
