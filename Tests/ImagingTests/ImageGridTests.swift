import Testing
@testable import Imaging

@Suite struct ImageGridTests {
  /// Tile `t` (3 wide, 2 high): pixel (x, y) = 10 * (t + 1) + 3 * y + x, so
  /// every pixel of every tile has its own value.
  func tile(_ t: Int) -> [UInt8] {
    (0..<2).flatMap { y in (0..<3).map { x in UInt8(10 * (t + 1) + 3 * y + x) } }
  }

  /// Checks `image` against a hand-drawn map: '#' separator (128), '.' gap
  /// (255), 'x' empty cell (7), 'a', 'b', ... tile 0, 1, ... whose value is
  /// read relative to the tile's first (top-left) cell in the map.
  func check(_ image: GreyImage, against map: [String]) {
    #expect(image.height == map.count && image.width == map[0].count, "size \(image.width)x\(image.height)")
    guard image.height == map.count, image.width == map[0].count else { return }
    let rows = map.map(Array.init)
    var origins: [Character: (Int, Int)] = [:]
    for (y, row) in rows.enumerated() {
      for (x, ch) in row.enumerated() where origins[ch] == nil { origins[ch] = (x, y) }
    }
    for (y, row) in rows.enumerated() {
      for (x, ch) in row.enumerated() {
        let expected: UInt8
        switch ch {
        case "#": expected = 128
        case ".": expected = 255
        case "x": expected = 7
        default:
          let t = Int(ch.asciiValue! - Character("a").asciiValue!)
          let (x0, y0) = origins[ch]!
          expected = UInt8(10 * (t + 1) + 3 * (y - y0) + (x - x0))
        }
        #expect(image[x, y] == expected, "pixel (\(x), \(y)) is \(image[x, y]), map says \(ch) = \(expected)")
      }
    }
  }

  @Test func groupsGetTheirOwnFrameAndAGap() throws {
    let grid = ImageGrid(tileWidth: 3, tileHeight: 2, columns: 2, emptyValue: 7, rowsPerGroup: 2, groupGap: 3)
    let image = try grid.render(tiles: (0..<5).map(tile))
    check(image, against: [
      "#########",
      "#aaa#bbb#",
      "#aaa#bbb#",
      "#########",
      "#ccc#ddd#",
      "#ccc#ddd#",
      "#########",
      ".........",
      ".........",
      ".........",
      "#########",
      "#eee#xxx#",
      "#eee#xxx#",
      "#########",
    ])
    #expect(xy(grid.tileOrigin(row: 2, column: 0)) == [1, 11])
    #expect(xy(grid.size(rows: 3)) == [9, 14])
  }

  func xy(_ p: (Int, Int)) -> [Int] { [p.0, p.1] }

  @Test func noGroupsMeansOneFrame() throws {
    let grid = ImageGrid(tileWidth: 3, tileHeight: 2, columns: 3, emptyValue: 7)
    let image = try grid.render(tiles: (0..<4).map(tile))
    check(image, against: [
      "#############",
      "#aaa#bbb#ccc#",
      "#aaa#bbb#ccc#",
      "#############",
      "#ddd#xxx#xxx#",
      "#ddd#xxx#xxx#",
      "#############",
    ])
  }

  @Test func wideSeparatorsAndOrigins() throws {
    let grid = ImageGrid(tileWidth: 28, tileHeight: 28, columns: 10, separatorWidth: 2, rowsPerGroup: 3, groupGap: 8)
    // x = 2 + c * 30; y = 2 + r * 30 + (r / 3) * 10.
    #expect(xy(grid.tileOrigin(row: 0, column: 0)) == [2, 2])
    #expect(xy(grid.tileOrigin(row: 0, column: 9)) == [272, 2])
    #expect(xy(grid.tileOrigin(row: 2, column: 1)) == [32, 62])
    #expect(xy(grid.tileOrigin(row: 3, column: 0)) == [2, 102])
    #expect(xy(grid.tileOrigin(row: 5, column: 0)) == [2, 162])
    // 6 rows in 2 groups: 6 * 30 + 2 * 2 + 1 * 8 = 192 high; 2 + 10 * 30 = 302 wide.
    #expect(xy(grid.size(rows: 6)) == [302, 192])
    let tiles = (0..<60).map { [UInt8](repeating: UInt8($0 + 1), count: 784) }
    let image = try grid.render(tiles: tiles)
    #expect(image.width == 302 && image.height == 192)
    #expect(image[0, 0] == 128 && image[1, 1] == 128)  // edge, 2 px
    #expect(image[2, 2] == 1 && image[29, 29] == 1)  // tile 0 corners
    #expect(image[30, 2] == 128 && image[31, 2] == 128 && image[32, 2] == 2)  // between tiles 0 and 1
    // Row 2 ends at y = 89; group 0's frame is y = 90, 91; the gap 92...99;
    // group 1's frame 100, 101; row 3 starts at 102.
    #expect(image[2, 89] == 21 && image[2, 90] == 128 && image[2, 91] == 128)
    #expect(image[2, 92] == 255 && image[301, 99] == 255 && image[2, 100] == 128 && image[2, 101] == 128)
    #expect(image[2, 102] == 31 && image[301, 191] == 128)
  }

  @Test func zeroWidthSeparatorsPackTilesTightly() throws {
    let grid = ImageGrid(tileWidth: 3, tileHeight: 2, columns: 2, separatorWidth: 0)
    let image = try grid.render(tiles: [tile(0), tile(1)])
    check(image, against: ["aaabbb", "aaabbb"])
  }

  @Test func tileScaleEnlargesTilesButNotSeparators() throws {
    let grid = ImageGrid(tileWidth: 2, tileHeight: 1, columns: 2, tileScale: 2)
    let image = try grid.render(tiles: [[1, 2], [3, 4]] as [[UInt8]])
    let s: UInt8 = 128
    // 1 + 2 * (4 + 1) = 11 wide, 1 + (2 + 1) = 4 high.
    #expect(image.width == 11 && image.height == 4)
    #expect(image.pixels == [
      s, s, s, s, s, s, s, s, s, s, s,
      s, 1, 1, 2, 2, s, 3, 3, 4, 4, s,
      s, 1, 1, 2, 2, s, 3, 3, 4, 4, s,
      s, s, s, s, s, s, s, s, s, s, s,
    ])
    #expect(xy(grid.tileOrigin(row: 0, column: 1)) == [6, 1])
  }

  @Test func floatTilesAreQuantised() throws {
    let grid = ImageGrid(tileWidth: 2, tileHeight: 1, columns: 2, separatorWidth: 0)
    let image = try grid.render(tiles: [[0, 0.5] as [Float], [1.0, 2.0]])
    #expect(image.pixels == [0, 128, 255, 255])
  }

  @Test func rowsCanBeGivenOneByOne() throws {
    let grid = ImageGrid(tileWidth: 3, tileHeight: 2, columns: 2, emptyValue: 7)
    let image = try grid.render(rows: [[tile(0)], [], [tile(2), tile(3)]])
    check(image, against: [
      "#########",
      "#aaa#xxx#",
      "#aaa#xxx#",
      "#########",
      "#xxx#xxx#",
      "#xxx#xxx#",
      "#########",
      "#ccc#ddd#",
      "#ccc#ddd#",
      "#########",
    ])
  }

  @Test func rowsByLabelTakesTheFirstTilesOfEachClass() throws {
    let rows = try ImageGrid.rowsByLabel(Array(0..<8), labels: [1, 0, 1, 2, 1, 0, 7, -1], classes: 3, perRow: 2)
    #expect(rows == [[1, 5], [0, 2], [3]])
  }

  @Test func rejections() {
    let grid = ImageGrid(tileWidth: 3, tileHeight: 2, columns: 2)
    #expect(throws: ImagingError.tileSizeMismatch(row: 1, column: 0, expected: 6, found: 5)) {
      try grid.render(tiles: [tile(0), tile(1), [1, 2, 3, 4, 5]])
    }
    #expect(throws: ImagingError.tooManyTiles(row: 0, count: 3, columns: 2)) {
      try grid.render(rows: [[tile(0), tile(1), tile(2)]])
    }
    #expect(throws: ImagingError.noTiles) { try grid.render(tiles: [[UInt8]]()) }
    #expect(throws: ImagingError.noTiles) { try grid.render(rows: [[], []] as [[[UInt8]]]) }
    #expect(throws: ImagingError.labelCountMismatch(tiles: 2, labels: 3)) {
      try ImageGrid.rowsByLabel([1, 2], labels: [0, 0, 0], classes: 10, perRow: 5)
    }
  }
}
