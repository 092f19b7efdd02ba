import Compute
import Metrics
import Testing

@Suite struct MedianFilterTests {
  /// A 4x4 image whose 3x3 medians (borders replicated) were worked out by hand.
  @Test func medianFilterOnAFourByFourImageByHand() {
    let image: [UInt8] = [
      9, 1, 5, 3,
      2, 8, 4, 7,
      6, 0, 9, 1,
      3, 5, 2, 8,
    ]
    // Top-left: rows {0, 0, 1}, columns {0, 0, 1} -> 9 9 1 / 9 9 1 / 2 2 8 -> sorted 1 1 2 2 [8] 9 9 9 9.
    // Top row, x = 1: 9 1 5 / 9 1 5 / 2 8 4 -> 1 1 2 4 [5] 5 8 9 9.
    // Centre (1, 1): 9 1 5 / 2 8 4 / 6 0 9 -> 0 1 2 4 [5] 6 8 9 9.
    // (2, 1): 1 5 3 / 8 4 7 / 0 9 1 -> 0 1 1 3 [4] 5 7 8 9.
    // Left edge, y = 2: rows 1-3, columns {0, 0, 1} -> 2 2 8 / 6 6 0 / 3 3 5 -> 0 2 2 3 [3] 5 6 6 8.
    // Bottom-right: 9 1 1 / 2 8 8 / 2 8 8 -> 1 1 2 2 [8] 8 8 8 9.
    let expected: [UInt8] = [
      8, 5, 4, 4,
      6, 5, 4, 4,
      3, 4, 5, 7,
      3, 3, 5, 8,
    ]
    let seen = MedianFilter.median3x3(image[...], width: 4, height: 4)
    #expect(seen == expected, "seen \(seen), expected \(expected)")
    // Two copies filtered as a batch on two threads give the same, image by image.
    let batch = MedianFilter.median3x3(images: image + image.reversed(), count: 2, width: 4, height: 4, parallel: Parallel(threads: 2))
    #expect(Array(batch[0..<16]) == expected)
    #expect(Array(batch[16...]) == MedianFilter.median3x3(image.reversed()[...], width: 4, height: 4))
  }

  /// The centre of a 3x3 image is the median of all nine values: checked against sorting.
  @Test func medianOfNineAgreesWithSorting() {
    var generator = Xoshiro256(seed: 11)
    for trial in 0..<5000 {
      // Small ranges give many ties, which selection networks must also get right.
      let range = trial % 2 == 0 ? 4 : 256
      let values = (0..<9).map { _ in UInt8(generator.next() % UInt64(range)) }
      let centre = MedianFilter.median3x3(values[...], width: 3, height: 3)[4]
      #expect(centre == values.sorted()[4], "values \(values)")
    }
  }
}
