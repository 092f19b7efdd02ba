import DataFiles

/// A scatter plot as standalone SVG text: points coloured by a category
/// (e.g. the digit of each test image in a 2-D latent space), with a legend
/// of the categories present. Made for up to some 10,000 points: small,
/// half-transparent dots drawn in the given order, so no class is painted
/// over all the others.
public struct ScatterPlot: Sendable, Equatable {
  /// A point and its category; category `c` takes `Palette.colour(c)`.
  public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var category: Int
    public init(x: Double, y: Double, category: Int) {
      self.x = x
      self.y = y
      self.category = category
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var points: [Point]
  /// Legend text for category `c` is `categoryNames[c]` when present, else "c".
  public var categoryNames: [String]
  public var width: Int
  public var height: Int
  /// Dot radius in pixels.
  public var radius: Double
  /// Dot opacity, 0...1.
  public var opacity: Double

  public init(
    title: String = "", xLabel: String = "", yLabel: String = "", points: [Point] = [], categoryNames: [String] = [],
    width: Int = 600, height: Int = 520, radius: Double = 2, opacity: Double = 0.6
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.points = points
    self.categoryNames = categoryNames
    self.width = width
    self.height = height
    self.radius = radius
    self.opacity = opacity
  }

  /// The legend name of category `c`.
  func name(of c: Int) -> String {
    (0..<categoryNames.count).contains(c) ? categoryNames[c] : String(c)
  }

  /// The SVG document; points with a non-finite coordinate are left out.
  public func svg() -> String {
    let kept = points.filter { $0.x.isFinite && $0.y.isFinite }
    let xs = kept.map(\.x)
    let ys = kept.map(\.y)
    let legend = Set(kept.map(\.category)).sorted().map {
      PlotFrame.LegendEntry(name: name(of: $0), colour: Palette.colour($0), swatch: .dot)
    }
    let frame = PlotFrame(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend,
      xTicksFor: { AxisTicks.linear(from: xs.min() ?? 0, to: xs.max() ?? 1, targetCount: Swift.max(2, Int($0 / 90))) },
      yTicksFor: { AxisTicks.linear(from: ys.min() ?? 0, to: ys.max() ?? 1, targetCount: Swift.max(2, Int($0 / 60))) })
    var canvas = SVGCanvas(width: width, height: height)
    frame.drawBackground(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
    canvas.raw("<g fill-opacity=\"\(Markup.number(opacity))\">\n")
    for p in kept {
      canvas.circle(frame.x(p.x), frame.y(p.y), r: radius, fill: Palette.colour(p.category))
    }
    canvas.raw("</g>\n")
    frame.drawLegend(legend, on: &canvas)
    return canvas.document()
  }

  /// Writes the SVG atomically to `path`.
  public func writeSVG(to path: String) throws {
    try AtomicFile.write(text: svg(), to: path)
  }
}
