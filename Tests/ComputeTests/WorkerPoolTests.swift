import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Compute

@Suite struct WorkerPoolTests {
  /// Runs `regions` regions of `parts` parts and returns how often each part ran.
  private func hitCounts(parts: Int, regions: Int) -> [Int] {
    var hits = [Int](repeating: 0, count: parts)
    hits.withUnsafeMutableBufferPointer { buffer in
      for _ in 0..<regions {
        Parallel(threads: parts).run { buffer[$0] += 1 }
      }
    }
    return hits
  }

  @Test func everyPartRunsOncePerRegion() {
    for parts in [1, 2, 3, 5] {
      let hits = hitCounts(parts: parts, regions: 2_000)
      #expect(hits == [Int](repeating: 2_000, count: parts), "parts \(parts): expected 2000 each, saw \(hits)")
    }
  }

  @Test func regionReturnsOnlyAfterEveryPartFinished() {
    // Each part sleeps before writing; a region that returned early would leave zeros.
    var done = [Int](repeating: 0, count: 2)
    done.withUnsafeMutableBufferPointer { buffer in
      for round in 1...20 {
        Parallel(threads: 2).run { t in
          if t == 1 { usleep(200) }
          buffer[t] = round
        }
        #expect(buffer[0] == round && buffer[1] == round, "round \(round): saw \(Array(buffer))")
      }
    }
  }

  @Test func nestedRegionsComplete() {
    var hits = [Int](repeating: 0, count: 4)
    hits.withUnsafeMutableBufferPointer { buffer in
      Parallel(threads: 2).run { outer in
        // The pool is busy with the outer region: the inner one takes the fallback.
        Parallel(threads: 2).run { inner in buffer[outer * 2 + inner] += 1 }
      }
    }
    #expect(hits == [1, 1, 1, 1], "expected each of 4 nested parts once, saw \(hits)")
  }

  @Test func regionsFromSeveralThreadsAtOnceAllComplete() {
    let total = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<500 {
        Parallel(threads: 2).run { _ in total.add(1, ordering: .relaxed) }
      }
    }
    #expect(total.load(ordering: .relaxed) == 4 * 500 * 2)
  }

  @Test func regionsAfterTheWorkersFellAsleepComplete() {
    // Longer than the spin time, so the workers are asleep and must be woken.
    for _ in 0..<5 {
      usleep(UInt32(WorkerPool.spinNanoseconds / 1_000) * 3)
      #expect(hitCounts(parts: 2, regions: 1) == [1, 1])
    }
  }
}
