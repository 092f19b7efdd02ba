import Testing
@testable import Corruptions

/// Small synthetic images: a mid-grey field (value 128) so that every kind's
/// change is visible, `count` images of `side` x `side`.
private func greyImages(count: Int, side: Int) -> [UInt8] {
  [UInt8](repeating: 128, count: count * side * side)
}

private func maskAgreesWithChanges(_ original: [UInt8], _ result: Corrupter.Result) -> Bool {
  // Occlusion and replacement kinds: a pixel is marked missing exactly where it was rewritten.
  zip(zip(original, result.images), result.mask).allSatisfy { pair, mask in
    mask == 0 || pair.0 == pair.1
  }
}

@Suite struct CorrupterTests {
  @Test func centredSquareHidesExactlyTheMiddleBlock() throws {
    let side = 28
    let result = try Corrupter(kind: .square(size: 10, centred: true), seed: 1)
      .apply(to: greyImages(count: 2, side: side), count: 2, side: side)
    for image in 0..<2 {
      for r in 0..<side {
        for c in 0..<side {
          let inside = (9..<19).contains(r) && (9..<19).contains(c)
          let i = image * side * side + r * side + c
          #expect(result.images[i] == (inside ? 0 : 128), "pixel (\(r), \(c))")
          #expect(result.mask[i] == (inside ? 0 : 1))
        }
      }
    }
  }

  @Test func halvesAndBandsHideTheNamedSide() throws {
    let side = 8
    let cases: [(CorruptionKind, (Int, Int) -> Bool)] = [
      (.half(.top), { r, _ in r < 4 }),
      (.half(.bottom), { r, _ in r >= 4 }),
      (.half(.left), { _, c in c < 4 }),
      (.half(.right), { _, c in c >= 4 }),
      (.band(.right, fraction: 0.25), { _, c in c >= 6 }),
      (.band(.top, fraction: 0.5), { r, _ in r < 4 }),
    ]
    for (kind, hidden) in cases {
      let result = try Corrupter(kind: kind, seed: 3).apply(to: greyImages(count: 1, side: side), count: 1, side: side)
      for r in 0..<side {
        for c in 0..<side {
          #expect(result.mask[r * side + c] == (hidden(r, c) ? 0 : 1), "\(kind.summary) at (\(r), \(c))")
        }
      }
    }
  }

  @Test func gaussianNoiseHasTheRequestedSpreadAndKeepsPixelsObserved() throws {
    let side = 28, count = 50
    let sigma = 0.1
    let result = try Corrupter(kind: .gaussian(sigma: sigma), seed: 7)
      .apply(to: greyImages(count: count, side: side), count: count, side: side)
    let deltas = result.images.map { (Double($0) - 128) / 255 }
    let mean = deltas.reduce(0, +) / Double(deltas.count)
    let sd = (deltas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(deltas.count)).squareRoot()
    // 39200 draws: the mean's standard error is 0.0005 and rounding to 1/255 adds ~0.001 to the sd.
    #expect(abs(mean) < 0.003, "mean \(mean)")
    #expect(abs(sd - sigma) < 0.004, "sd \(sd), expected \(sigma) +- 0.004")
    #expect(result.mask.allSatisfy { $0 == 1 })
  }

  @Test func saltPepperReplacesTheRequestedFractionWithExtremes() throws {
    let side = 28, count = 50
    let original = greyImages(count: count, side: side)
    let result = try Corrupter(kind: .saltPepper(fraction: 0.25), seed: 11).apply(to: original, count: count, side: side)
    let hidden = result.mask.filter { $0 == 0 }.count
    let fraction = Double(hidden) / Double(original.count)
    #expect(abs(fraction - 0.25) < 0.01, "fraction \(fraction)")
    for i in result.images.indices where result.mask[i] == 0 {
      #expect(result.images[i] == 0 || result.images[i] == 255)
    }
    let salt = result.images.filter { $0 == 255 }.count
    #expect(abs(Double(salt) / Double(hidden) - 0.5) < 0.03)
    #expect(maskAgreesWithChanges(original, result))
  }

  @Test func zeroAndRectanglesMarkWhatTheyChange() throws {
    let side = 28, count = 20
    let original = greyImages(count: count, side: side)
    for kind in [CorruptionKind.zero(fraction: 0.3), .rectangles(count: 3, sizes: 3...8), .square(size: 6, centred: false)] {
      let result = try Corrupter(kind: kind, seed: 5).apply(to: original, count: count, side: side)
      #expect(maskAgreesWithChanges(original, result), "\(kind.summary)")
      #expect(zip(result.images, result.mask).allSatisfy { $1 == 1 || $0 == 0 })
      #expect(result.mask.contains(0))
    }
  }

  @Test func theSameImageGetsTheSameCorruptionWhateverTheSplit() throws {
    let side = 28, count = 12
    var original = [UInt8](repeating: 0, count: count * side * side)
    for i in original.indices { original[i] = UInt8(i % 251) }
    let corrupter = Corrupter(kind: .mixed(CorruptionKind.defaultMixture), seed: 42)
    let whole = try corrupter.apply(to: original, count: count, side: side, threads: 1)
    let threaded = try corrupter.apply(to: original, count: count, side: side, threads: 4)
    #expect(whole.images == threaded.images && whole.mask == threaded.mask)
    // Images 5..<12 corrupted on their own, as a later batch, match the whole run.
    let pixels = side * side
    let tail = try corrupter.apply(to: Array(original[(5 * pixels)...]), count: 7, side: side, firstIndex: 5)
    #expect(tail.images == Array(whole.images[(5 * pixels)...]))
    let otherSeed = try Corrupter(kind: .mixed(CorruptionKind.defaultMixture), seed: 43).apply(to: original, count: count, side: side)
    #expect(otherSeed.images != whole.images)
  }

  @Test func levelsOutOfRangeAreRejectedWithTheAllowedRange() {
    let bad: [(CorruptionKind, String)] = [
      (.gaussian(sigma: -0.1), "0.0...2.0"),
      (.saltPepper(fraction: 1.5), "0.0...1.0"),
      (.square(size: 29, centred: true), "1...28"),
      (.rectangles(count: 0, sizes: 2...4), "1...64"),
      (.band(.left, fraction: .nan), "0.0...1.0"),
    ]
    for (kind, allowed) in bad {
      #expect(throws: CorruptionError.self) { try kind.validate(side: 28) }
      do { try kind.validate(side: 28) } catch { #expect(error.description.contains(allowed), "\(error)") }
    }
    #expect(throws: CorruptionError.emptyMixture) { try CorruptionKind.mixed([]).validate(side: 28) }
    #expect(throws: CorruptionError.nestedMixture) { try CorruptionKind.mixed([.mixed([.half(.top)])]).validate(side: 28) }
  }
}
