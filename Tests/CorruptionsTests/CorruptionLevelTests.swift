import Corruptions
import Testing

@Suite struct CorruptionLevelTests {
  @Test func eachKindAtItsDefaultLevel() {
    let made = CorruptionKind.Name.allCases.map { $0.corruption(level: nil, centred: true, sizes: 4...10, side: nil) }
    #expect(
      made == [
        .gaussian(sigma: 0.5), .saltPepper(fraction: 0.25), .zero(fraction: 0.5), .square(size: 10, centred: true),
        .rectangles(count: 3, sizes: 4...10), .half(.bottom), .band(.right, fraction: 0.3), .mixed(CorruptionKind.defaultMixture),
        .quadrants(observed: 1),
      ], "\(made)")
  }

  @Test func givenLevelsAndParameters() {
    #expect(CorruptionKind.Name.square.corruption(level: 7, centred: false, sizes: 4...10, side: nil) == .square(size: 7, centred: false))
    #expect(CorruptionKind.Name.band.corruption(level: 0.2, centred: true, sizes: 4...10, side: .top) == .band(.top, fraction: 0.2))
    #expect(CorruptionKind.Name.rectangles.corruption(level: 2, centred: true, sizes: 2...5, side: nil) == .rectangles(count: 2, sizes: 2...5))
  }

  @Test func sizesAndCountsMustBeWholeNumbers() {
    #expect(CorruptionKind.Name.square.corruption(level: 2.5, centred: true, sizes: 4...10, side: nil) == nil)
    #expect(CorruptionKind.Name.rectangles.corruption(level: 1e7, centred: true, sizes: 4...10, side: nil) == nil)
    #expect(CorruptionKind.Name.gaussian.corruption(level: 2.5, centred: true, sizes: 4...10, side: nil) == .gaussian(sigma: 2.5))
  }
}
