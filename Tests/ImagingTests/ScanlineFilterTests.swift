import Testing
@testable import Imaging

@Suite struct ScanlineFilterTests {
  /// Filters one row with each filter and returns (chosen filter, output bytes).
  func choose(row: [UInt8], above: [UInt8], bpp: Int = 1) -> (UInt8, [UInt8]) {
    let out = ScanlineFilter.filter(above + row, width: row.count / bpp, height: 2, bytesPerPixel: bpp)
    let second = Array(out[(row.count + 1)...])
    return (second[0], Array(second.dropFirst()))
  }

  @Test func aRampPicksSub() {
    // Sub gives 10 10 10 10 (score 40); None 10+20+30+40 = 100; Up equals None here.
    let (kind, bytes) = choose(row: [10, 20, 30, 40], above: [0, 0, 0, 0])
    #expect(kind == 1)
    #expect(bytes == [10, 10, 10, 10])
  }

  @Test func aRepeatedRowPicksUp() {
    let row: [UInt8] = [3, 250, 17, 90, 4]
    let (kind, bytes) = choose(row: row, above: row)
    #expect(kind == 2)
    #expect(bytes == [0, 0, 0, 0, 0])
  }

  @Test func halvingTowardsTheRowAbovePicksAverage() {
    // Each byte is floor((left + above) / 2) with above = 200: 100, 150, 175, 187.
    // Average scores 0; Sub and Paeth score 100+50+25+12, Up 100+50+25+13.
    let (kind, bytes) = choose(row: [100, 150, 175, 187], above: [200, 200, 200, 200])
    #expect(kind == 3)
    #expect(bytes == [0, 0, 0, 0])
  }

  @Test func aRampUnderAFlatRowPicksPaeth() {
    // Above is flat 50, so Paeth predicts 50 (above) for the first byte and
    // the left byte after that: outputs 0 50 50 50, score 150. Sub scores 200,
    // Average 25+50+75+100 = 250, Up 0+50+100+106 = 256, None 50+100+106+56 = 312
    // (bytes of 128 and up count as negative: 150 -> 106, 200 -> 56).
    let (kind, bytes) = choose(row: [50, 100, 150, 200], above: [50, 50, 50, 50])
    #expect(kind == 4)
    #expect(bytes == [0, 50, 50, 50])
  }

  @Test func tiesGoToTheLowerFilterNumber() {
    // An all-zero row scores 0 under every filter: None wins.
    let (kind, _) = choose(row: [0, 0, 0], above: [0, 0, 0])
    #expect(kind == 0)
  }

  @Test func subLooksOnePixelBackNotOneByte() {
    // RGB: a pixel's red is predicted from the previous pixel's red.
    let (kind, bytes) = choose(row: [10, 100, 200, 20, 110, 210], above: [UInt8](repeating: 0, count: 6), bpp: 3)
    #expect(kind == 1)
    #expect(bytes == [10, 100, 200, 10, 10, 10])
  }

  @Test func paethPredictorHandValues() {
    // p = a + b - c; the closest of a, b, c to p, ties to a then b.
    #expect(ScanlineFilter.paeth(10, 20, 10) == 20)  // p 20: b exact
    #expect(ScanlineFilter.paeth(20, 10, 10) == 20)  // p 20: a exact
    #expect(ScanlineFilter.paeth(10, 10, 10) == 10)  // all equal
    #expect(ScanlineFilter.paeth(0, 255, 255) == 0)  // p 0: a
    #expect(ScanlineFilter.paeth(100, 50, 200) == 50)  // p -50: pa 150, pb 100, pc 250
    #expect(ScanlineFilter.paeth(10, 40, 30) == 10)  // p 20: pa 10, pb 20, pc 10, tie to a
    #expect(ScanlineFilter.paeth(30, 60, 40) == 60)  // p 50: pa 20, pb 10, pc 10, tie to b
  }
}
