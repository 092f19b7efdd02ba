/// Every fault the `Imaging` module reports.
///
/// Images, grids and animations are built in memory from the stages' own
/// data, so these errors describe the data handed in (sizes, counts, delays);
/// failures while writing a file come from `DataFiles` and name the file.
public enum ImagingError: Error, Equatable, CustomStringConvertible {
  /// A PNG image must be at least 1x1 and at most 2^31 - 1 pixels on a side.
  case badSize(width: Int, height: Int)
  /// The pixel buffer does not hold `width * height * channels` bytes.
  case pixelCountMismatch(width: Int, height: Int, channels: Int, found: Int)
  /// An animation needs at least one frame.
  case noFrames
  /// Every frame of an animation must have the first frame's size.
  case frameSizeMismatch(frame: Int, expectedWidth: Int, expectedHeight: Int, foundWidth: Int, foundHeight: Int)
  /// A frame delay must fit APNG's 16-bit numerator (0...65535 ms).
  case delayOutOfRange(milliseconds: Int)
  /// The loop count must fit APNG's 32-bit field (0 means forever).
  case loopCountOutOfRange(Int)
  /// A grid tile does not hold `tileWidth * tileHeight` values.
  case tileSizeMismatch(row: Int, column: Int, expected: Int, found: Int)
  /// A grid row holds more tiles than the grid has columns.
  case tooManyTiles(row: Int, count: Int, columns: Int)
  /// A grid was asked to draw no tiles at all.
  case noTiles
  /// Tiles and labels passed to a by-label grid differ in number.
  case labelCountMismatch(tiles: Int, labels: Int)

  public var description: String {
    switch self {
    case let .badSize(width, height):
      return "image size \(width)x\(height) is not drawable (expected 1...2147483647 pixels on each side)"
    case let .pixelCountMismatch(width, height, channels, found):
      let (area, overflowA) = width.multipliedReportingOverflow(by: height)
      let (bytes, overflowB) = area.multipliedReportingOverflow(by: channels)
      let expected = overflowA || overflowB ? "more than \(Int.max)" : String(bytes)
      return "image \(width)x\(height) with \(channels) channel(s) needs \(expected) bytes, found \(found)"
    case .noFrames:
      return "an animation needs at least one frame, found none"
    case let .frameSizeMismatch(frame, expectedWidth, expectedHeight, foundWidth, foundHeight):
      return "animation frame \(frame) is \(foundWidth)x\(foundHeight), expected \(expectedWidth)x\(expectedHeight) like frame 0"
    case let .delayOutOfRange(milliseconds):
      return "frame delay \(milliseconds) ms is out of range (expected 0...65535 ms)"
    case let .loopCountOutOfRange(count):
      return "loop count \(count) is out of range (expected 0...4294967295; 0 loops forever)"
    case let .tileSizeMismatch(row, column, expected, found):
      return "grid tile at row \(row), column \(column) has \(found) values, expected \(expected); are the tile sizes right?"
    case let .tooManyTiles(row, count, columns):
      return "grid row \(row) has \(count) tiles, but the grid has only \(columns) columns"
    case .noTiles:
      return "a grid needs at least one tile, found none"
    case let .labelCountMismatch(tiles, labels):
      return "\(tiles) tiles but \(labels) labels; expected one label per tile"
    }
  }
}
