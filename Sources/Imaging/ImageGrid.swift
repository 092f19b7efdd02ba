/// Lays equally sized greyscale tiles (e.g. 28x28 digits) out in rows and
/// columns on one `GreyImage`, with a thin separator line between tiles and
/// around the edge.
///
/// Rows can be gathered into groups (say original / corrupted / restored):
/// each group gets its own frame of separator lines, and a blank gap of
/// `groupGap` pixels in `gapValue` stands between groups.
///
/// `tileScale` draws each tile k times larger (nearest neighbour) while the
/// separators keep their width; scaling the finished grid instead
/// (`GreyImage.scaled(by:)`) widens the separators too.
///
/// Layout, with s = `separatorWidth`, w x h = tile size times `tileScale`,
/// g = `groupGap`: tile (row r, column c) starts at x = s + c * (w + s),
/// y = s + r * (h + s) + (r / rowsPerGroup) * (g + s).
public struct ImageGrid: Sendable, Equatable {
  public var tileWidth: Int
  public var tileHeight: Int
  public var columns: Int
  /// Width of the lines between tiles and around each group, in pixels (may be 0).
  public var separatorWidth: Int
  /// Grey level of the separator lines; mid-grey reads on black digits and white pages alike.
  public var separatorValue: UInt8
  /// Grey level of cells that have no tile (short rows).
  public var emptyValue: UInt8
  /// Rows per group; 0 puts all rows in one group (no gaps).
  public var rowsPerGroup: Int
  /// Height of the blank band between two groups, in pixels.
  public var groupGap: Int
  /// Grey level of the band between groups.
  public var gapValue: UInt8
  /// Each tile pixel becomes a `tileScale` x `tileScale` block.
  public var tileScale: Int

  public init(
    tileWidth: Int = 28, tileHeight: Int = 28, columns: Int,
    separatorWidth: Int = 1, separatorValue: UInt8 = 128, emptyValue: UInt8 = 255,
    rowsPerGroup: Int = 0, groupGap: Int = 6, gapValue: UInt8 = 255, tileScale: Int = 1
  ) {
    precondition(tileWidth >= 1 && tileHeight >= 1, "tiles must be at least 1x1, got \(tileWidth)x\(tileHeight)")
    precondition(columns >= 1, "a grid needs at least one column, got \(columns)")
    precondition(separatorWidth >= 0 && groupGap >= 0 && rowsPerGroup >= 0, "widths and group sizes cannot be negative")
    precondition(tileScale >= 1, "tile scale must be at least 1, got \(tileScale)")
    self.tileWidth = tileWidth
    self.tileHeight = tileHeight
    self.columns = columns
    self.separatorWidth = separatorWidth
    self.separatorValue = separatorValue
    self.emptyValue = emptyValue
    self.rowsPerGroup = rowsPerGroup
    self.groupGap = groupGap
    self.gapValue = gapValue
    self.tileScale = tileScale
  }

  /// Width and height of a tile as drawn (after `tileScale`).
  var drawnTile: (width: Int, height: Int) { (tileWidth * tileScale, tileHeight * tileScale) }

  /// Number of row groups for `rows` rows.
  public func groupCount(rows: Int) -> Int {
    rowsPerGroup == 0 ? (rows > 0 ? 1 : 0) : (rows + rowsPerGroup - 1) / rowsPerGroup
  }

  /// The size of the image for `rows` rows.
  public func size(rows: Int) -> (width: Int, height: Int) {
    let s = separatorWidth
    let (w, h) = drawnTile
    let groups = groupCount(rows: rows)
    return (
      s + columns * (w + s),
      rows * (h + s) + groups * s + max(0, groups - 1) * groupGap
    )
  }

  /// The top-left pixel of the tile at `row`, `column`.
  public func tileOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
    let s = separatorWidth
    let (w, h) = drawnTile
    let group = rowsPerGroup == 0 ? 0 : row / rowsPerGroup
    return (s + column * (w + s), s + row * (h + s) + group * (groupGap + s))
  }

  /// Draws `tiles` row by row, `columns` per row; the last row may be short.
  /// Each tile is `tileWidth * tileHeight` grey levels, row-major.
  public func render(tiles: [[UInt8]]) throws -> GreyImage {
    try render(rows: chunked(tiles))
  }

  /// Draws tiles of intensities in [0, 1], quantised with `PixelQuantisation.byte`.
  public func render(tiles: [[Float]]) throws -> GreyImage {
    try render(rows: chunked(tiles))
  }

  /// Draws one grid row per element of `rows`; rows shorter than `columns`
  /// leave their last cells empty.
  public func render(rows: [[[Float]]]) throws -> GreyImage {
    try render(rows: rows.map { $0.map(PixelQuantisation.bytes) })
  }

  /// Draws one grid row per element of `rows`; rows shorter than `columns`
  /// leave their last cells empty.
  /// - Throws: `ImagingError.noTiles`, `.tooManyTiles`, `.tileSizeMismatch`.
  public func render(rows: [[[UInt8]]]) throws -> GreyImage {
    guard rows.contains(where: { !$0.isEmpty }) else { throw ImagingError.noTiles }
    let tileSize = tileWidth * tileHeight
    for (r, row) in rows.enumerated() {
      guard row.count <= columns else { throw ImagingError.tooManyTiles(row: r, count: row.count, columns: columns) }
      for (c, tile) in row.enumerated() where tile.count != tileSize {
        throw ImagingError.tileSizeMismatch(row: r, column: c, expected: tileSize, found: tile.count)
      }
    }
    let (width, height) = size(rows: rows.count)
    var pixels = [UInt8](repeating: gapValue, count: width * height)
    // Each group's frame: separator colour over the group's whole box, then tiles on top.
    let s = separatorWidth
    for group in 0..<groupCount(rows: rows.count) {
      let firstRow = rowsPerGroup == 0 ? 0 : group * rowsPerGroup
      let lastRow = rowsPerGroup == 0 ? rows.count - 1 : min(rows.count, firstRow + rowsPerGroup) - 1
      let top = tileOrigin(row: firstRow, column: 0).y - s
      let bottom = tileOrigin(row: lastRow, column: 0).y + drawnTile.height + s
      for y in top..<bottom {
        for x in 0..<width { pixels[y * width + x] = separatorValue }
      }
    }
    for r in 0..<rows.count {
      for c in 0..<columns {
        let (x0, y0) = tileOrigin(row: r, column: c)
        let tile = c < rows[r].count ? rows[r][c] : nil
        let k = tileScale
        for ty in 0..<(tileHeight * k) {
          let base = (y0 + ty) * width + x0
          let source = (ty / k) * tileWidth
          for tx in 0..<(tileWidth * k) { pixels[base + tx] = tile?[source + tx / k] ?? emptyValue }
        }
      }
    }
    return try GreyImage(width: width, height: height, pixels: pixels)
  }

  /// Picks, for each class `0..<classes`, the first `perRow` tiles with that
  /// label, giving one grid row per class (rows are short where a class has
  /// fewer tiles).
  /// - Throws: `ImagingError.labelCountMismatch` when `labels` and `tiles` differ in length.
  public static func rowsByLabel<Tile>(_ tiles: [Tile], labels: [Int], classes: Int, perRow: Int) throws -> [[Tile]] {
    guard tiles.count == labels.count else { throw ImagingError.labelCountMismatch(tiles: tiles.count, labels: labels.count) }
    var rows = [[Tile]](repeating: [], count: classes)
    for (tile, label) in zip(tiles, labels) where (0..<classes).contains(label) && rows[label].count < perRow {
      rows[label].append(tile)
    }
    return rows
  }

  private func chunked<Tile>(_ tiles: [Tile]) -> [[Tile]] {
    stride(from: 0, to: tiles.count, by: columns).map { Array(tiles[$0..<min($0 + columns, tiles.count)]) }
  }
}
