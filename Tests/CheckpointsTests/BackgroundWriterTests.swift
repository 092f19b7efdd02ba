import Foundation
import Synchronization
import Testing
@testable import Checkpoints

@Suite struct BackgroundWriterTests {
  struct Failed: Error, Equatable { let step: Int }

  /// Writes run in submission order, off the calling thread, and `wait` returns after the last.
  @Test func writesRunInOrderAndWaitWaitsForThem() throws {
    let writer = BackgroundWriter()
    let log = Mutex<[Int]>([])
    let caller = Thread.current
    let offThread = Mutex(true)
    for step in 0..<5 {
      try writer.submit {
        Thread.sleep(forTimeInterval: 0.002)
        if Thread.current == caller { offThread.withLock { $0 = false } }
        log.withLock { $0.append(step) }
      }
    }
    try writer.wait()
    #expect(log.withLock { $0 } == [0, 1, 2, 3, 4])
    #expect(offThread.withLock { $0 }, "a write ran on the submitting thread")
  }

  /// A failed write's error comes out of the next wait (once), and later writes still run.
  @Test func anErrorIsReportedOnceByTheNextWait() throws {
    let writer = BackgroundWriter()
    try writer.submit { throw Failed(step: 1) }
    #expect(throws: Failed(step: 1)) { try writer.wait() }
    try writer.wait()  // cleared
    let ran = Mutex(false)
    try writer.submit { throw Failed(step: 2) }
    // The next submit waits for the failed write and throws its error instead of queueing.
    #expect(throws: Failed(step: 2)) { try writer.submit { ran.withLock { $0 = true } } }
    try writer.submit { ran.withLock { $0 = true } }
    try writer.wait()
    #expect(ran.withLock { $0 })
  }
}
