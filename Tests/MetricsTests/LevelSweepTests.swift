import Corruptions
import Foundation
import Testing
import TestSupport

@testable import Metrics

@Suite struct LevelSweepTests {
  /// Writes a spec.json of `kind` with `seed` as vae-corrupt does; returns its path.
  static func spec(_ kind: CorruptionKind, seed: UInt64, in folder: TemporaryFolder, name: String = "spec.json") throws -> String {
    let path = folder.file(name)
    try CorruptionSpec(corruption: kind, seed: seed, source: "test-images.idx", count: 10, hiddenFraction: 0).write(to: path)
    return path
  }

  /// The family a spec.json describes keeps the parameters the level does not set.
  @Test func familiesAreReadBackFromSpecs() throws {
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
      let path = try Self.spec(kind, seed: 77, in: folder, name: "spec-\(i).json")
      let read = try LevelSweep.Family.described(by: path)
      #expect(read.family == expected && read.seed == 77, "\(kind.summary): read \(read.family), expected \(expected)")
    }
  }

  /// With the spec's own kind, the spec's parameters and seed; with another kind, that kind's
  /// defaults and the given seed, and the spec is not an input of the sweep.
  @Test func aSpecOfAnotherKindLeavesLevelsKindAtItsDefaults() throws {
    let folder = try TemporaryFolder("levelsother")
    defer { folder.remove() }
    let path = try Self.spec(.square(size: 12, centred: false), seed: 77, in: folder)
    let same = try LevelSweep.plan(levels: [8, 4], kind: .square, specPath: path, testInput: "images.idx", seed: 3)
    #expect(!same.family.centred && same.seed == 77 && same.specPath == path && same.levels == [4, 8], "\(same)")
    let other = try LevelSweep.plan(levels: [0.5], kind: .gaussian, specPath: path, testInput: "images.idx", seed: 3)
    #expect(other.family == (try LevelSweep.Family(kind: .gaussian)) && other.seed == 3 && other.specPath == nil, "\(other)")
    let fromSpec = try LevelSweep.plan(levels: [6], kind: nil, specPath: path, testInput: "images.idx", seed: 3)
    #expect(fromSpec.family.kind == .square && !fromSpec.family.centred && fromSpec.seed == 77, "\(fromSpec)")
  }

  /// An old spec.json is refused when it is where the kind comes from, and ignored when --levels-kind names one.
  @Test func anOldSpecIsRefusedUnlessAKindIsGiven() throws {
    let folder = try TemporaryFolder("levelsold")
    defer { folder.remove() }
    let path = folder.file("spec.json")
    try Files.write(Array(#"{"kind":"gaussian","description":"gaussian noise, sigma 0.5","seed":2}"#.utf8), to: path)
    #expect(throws: CorruptionError.outdatedSpec(path: path)) {
      try LevelSweep.plan(levels: [0.5], kind: nil, specPath: path, testInput: "images.idx", seed: 1)
    }
    let named = try LevelSweep.plan(levels: [0.5], kind: .gaussian, specPath: path, testInput: "images.idx", seed: 1)
    #expect(named.seed == 1 && named.specPath == nil)
  }

  @Test func planFaultsAreMetricErrorsWithTheUsageMessages() throws {
    let folder = try TemporaryFolder("levelsfaults")
    defer { folder.remove() }
    let half = try Self.spec(.half(.bottom), seed: 1, in: folder)
    #expect(throws: MetricError.specKindHasNoLevel(kind: "half", spec: half)) {
      try LevelSweep.plan(levels: [1], kind: nil, specPath: half, testInput: "images.idx", seed: 1)
    }
    #expect(throws: MetricError.noKind(why: "the run has no corrupted test input")) {
      try LevelSweep.plan(levels: [1], kind: nil, specPath: nil, testInput: nil, seed: 1)
    }
    #expect(
      MetricError.noKind(why: "the run has no corrupted test input").description
        == "--levels needs a corruption kind: the run has no corrupted test input; choose one with --levels-kind")
    #expect(throws: MetricError.repeatedLevel("0.1")) { try LevelSweep.parseLevels("0.1, 0.1") }
    #expect(throws: MetricError.noLevels) { try LevelSweep.parseLevels(" , ") }
    let many = (1...101).map { String(Double($0) / 1000) }.joined(separator: ",")
    #expect(throws: MetricError.tooManyLevels(101, limit: 100)) { try LevelSweep.parseLevels(many) }
    #expect(throws: MetricError.notWhole(levelName: "side of the black square (pixels)", kind: "square", level: 2.5)) {
      try LevelSweep.Family(kind: .square).corruption(level: 2.5)
    }
    #expect(MetricError.noLevel(kind: "mixed", withLevel: ["gaussian", "band"]).description == "--levels: mixed has no level to sweep; kinds with one: gaussian, band")
  }
}
