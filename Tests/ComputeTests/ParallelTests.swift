import Foundation
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

  /// Claimed chunks: each runs exactly once at any thread count, on several threads when
  /// the work is large enough, and on the calling thread alone below the threshold.
  @Test(arguments: [1, 2, 3])
  func everyClaimedChunkRunsOnce(threads: Int) {
    let chunks = 1000
    var hits = [Int](repeating: 0, count: chunks)
    var runners = [UInt](repeating: 0, count: chunks)
    hits.withUnsafeMutableBufferPointer { hits in
      runners.withUnsafeMutableBufferPointer { runners in
        Parallel(threads: threads).forEachClaimedChunk(chunks) { chunk in
          hits[chunk] += 1
          runners[chunk] = UInt(pthread_self())
          // Enough work per chunk that every thread gets to claim some.
          var x = Double(chunk)
          for _ in 0..<200 { x = (x * 1.000001).squareRoot() + 1 }
          if x < 0 { hits[chunk] += 1 }
        }
      }
    }
    #expect(hits == [Int](repeating: 1, count: chunks))
    #expect(Set(runners).count <= threads)
    var small = [Int](repeating: 0, count: 8)
    let caller = UInt(pthread_self())
    var smallRunners = Set<UInt>()
    small.withUnsafeMutableBufferPointer { small in
      Parallel(threads: threads).forEachClaimedChunk(8, work: 100) { chunk in
        small[chunk] += 1
        smallRunners.insert(UInt(pthread_self()))
      }
    }
    #expect(small == [Int](repeating: 1, count: 8))
    #expect(smallRunners == [caller], "work under the threshold runs on the calling thread")
  }
}
