import Corruptions
import Foundation
import Testing
import TestSupport

@testable import Metrics

@Suite struct LevelSweepTests {
  /// The family a spec.json describes keeps the parameters the level does not set.
  @Test func familiesAreReadBackFromSpecDescriptions() throws {
    let folder = try TemporaryFolder("levelsspec")
    defer { folder.remove() }
    let cases: [(CorruptionKind, LevelSweep.Family)] = try [
      (.square(size: 12, centred: false), { var f = try LevelSweep.Family(kind: .square); f.centred = false; return f }()),
      (.square(size: 10, centred: true), try LevelSweep.Family(kind: .square)),
      (.rectangles(count: 2, sizes: 3...7), { var f = try LevelSweep.Family(kind: .rectangles); f.sizes = 3...7; return f }()),
      (.band(.top, fraction: 0.4), { var f = try LevelSweep.Family(kind: .band); f.side = .top; return f }()),
      (.saltPepper(fraction: 0.2), try LevelSweep.Family(kind: .saltPepper)),
    ]
    for (i, (kind, expected)) in cases.enumerated() {
      let path = folder.file("spec-\(i).json")
      let spec: [String: Any] = ["kind": kind.name.rawValue, "description": kind.summary, "seed": 77]
      try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: path))
      let read = try LevelSweep.Family.described(by: path)
      #expect(read.family == expected && read.seed == 77, "\(kind.summary): read \(read.family), expected \(expected)")
    }
  }
}
