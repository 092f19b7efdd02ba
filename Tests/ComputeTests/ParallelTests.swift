import Testing
@testable import Compute

@Suite struct ParallelTests {
  @Test func partsCoverTheRangeInOrder() {
    for count in [0, 1, 15, 16, 17, 100, 784] {
      for parts in 1...4 {
        let ranges = (0..<parts).map { Parallel.part($0, of: parts, count: count, alignment: 16) }
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == count)
        for (x, y) in zip(ranges, ranges.dropFirst()) {
          #expect(x.upperBound == y.lowerBound)
          #expect(y.lowerBound % 16 == 0 || y.lowerBound == count)
        }
      }
    }
  }

  @Test func everyChunkRunsOnce() {
    var hits = [Int](repeating: 0, count: 37)
    hits.withUnsafeMutableBufferPointer { buffer in
      Parallel(threads: 2).forEachChunk(37) { buffer[$0] += 1 }
    }
    #expect(hits == [Int](repeating: 1, count: 37))
  }
}
