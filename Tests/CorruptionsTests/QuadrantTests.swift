import Foundation
import Testing
@testable import Corruptions

/// The quadrant benchmark of Pyro's CVAE example, pixel by pixel on 28 x 28 images.
@Suite struct QuadrantTests {
  /// Observed pixels as the issue defines them: 1 quadrant = bottom-left (rows 14-27, columns
  /// 0-13); 2 = the left half (columns 0-13); 3 = everything but the bottom-right quadrant.
  static func observed(_ q: Int, row r: Int, column c: Int) -> Bool {
    switch q {
    case 1: return r >= 14 && c <= 13
    case 2: return c <= 13
    default: return !(r >= 14 && c >= 14)
    }
  }

  @Test(arguments: [1, 2, 3])
  func masksMatchTheBenchmarkPixelByPixel(observed q: Int) throws {
    let side = 28
    let images = [UInt8](repeating: 200, count: 3 * side * side)
    let result = try Corrupter(kind: .quadrants(observed: q), seed: 9).apply(to: images, count: 3, side: side)
    var seen = 0
    for image in 0..<3 {
      for r in 0..<side {
        for c in 0..<side {
          let i = image * side * side + r * side + c
          let keep = Self.observed(q, row: r, column: c)
          #expect(result.mask[i] == (keep ? 1 : 0), "quadrants \(q): mask at row \(r), column \(c)")
          #expect(result.images[i] == (keep ? 200 : 0), "quadrants \(q): pixel at row \(r), column \(c)")
          seen += keep ? 1 : 0
        }
      }
    }
    #expect(seen == 3 * 196 * q, "\(q) quadrants of 196 pixels observed per image")
  }

  @Test func quadrantsAreDataLikeEveryKind() throws {
    for q in 1...3 {
      let kind = CorruptionKind.quadrants(observed: q)
      let json = try JSONEncoder().encode(kind)
      #expect(String(decoding: json, as: UTF8.self).contains("\"observed\":\(q)"))
      #expect(try JSONDecoder().decode(CorruptionKind.self, from: json) == kind)
      #expect(CorruptionKind.Name.quadrants.corruption(level: Double(q), centred: true, sizes: 4...10, side: nil) == kind)
    }
    for bad in [0, 4] {
      #expect(throws: CorruptionError.self) { try CorruptionKind.quadrants(observed: bad).validate(side: 28) }
    }
  }
}
