import Imaging

/// One figure of a run's page, drawn but not yet written: its file name and picture.
public struct Figure {
  public enum Picture {
    case png(GreyImage)
    case animation(Animation)
    case scatter(ScatterPlot)
    case plot(LinePlot)
  }

  /// The file name in the page's folder.
  public var file: String
  public var picture: Picture

  public init(_ file: String, _ picture: Picture) {
    self.file = file
    self.picture = picture
  }

  /// Writes the figure as `<folder>/<file>` (atomically, as Imaging writes).
  public func write(in folder: String) throws {
    let path = folder + "/" + file
    switch picture {
    case let .png(image): try image.writePNG(to: path)
    case let .animation(animation): try animation.writePNG(to: path)
    case let .scatter(plot): try plot.writeSVG(to: path)
    case let .plot(plot): try plot.writeSVG(to: path)
    }
  }
}

/// What drawing a page's figures gave: the figures to write, the sections that show
/// them, and the planned figures left out because their data was unusable.
public struct Drawing {
  public var figures: [Figure] = []
  public var sections: [HTMLPage.Section] = []
  /// File names that were planned but not drawn (each with a warning).
  public var leftOut: [String] = []

  public init() {}
}
