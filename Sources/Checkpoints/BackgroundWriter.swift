import Dispatch
import Synchronization

/// Runs writes (a checkpoint's encoding, write, fsync and rename) on one background
/// thread, so that a training loop does not wait for the disk.
///
/// At most one write is in flight: ``submit(_:)`` first waits for the previous one, so
/// memory holds at most one copy of the state being saved. Writes run in submission
/// order. A write's error is not lost: the next ``submit(_:)`` or ``wait()`` throws it.
///
/// ```
/// let writer = BackgroundWriter()
/// let copy = state        // copied on the training thread
/// try writer.submit { try folder.save(copy.file(), step: step, keep: 3) }
/// ...
/// try writer.wait()       // before reporting the checkpoint as written
/// ```
public final class BackgroundWriter: Sendable {
  private let queue = DispatchQueue(label: "digitvae.background-writer")
  private let group = DispatchGroup()
  private let failure = Mutex<(any Error)?>(nil)

  public init() {}

  /// Waits for the previous write, throws its error if it failed, then starts `work`
  /// on the background thread and returns at once.
  ///
  /// `work` must only touch what it owns (a copy of the state made before the call):
  /// the caller goes on changing its own buffers meanwhile. It is not `@Sendable`
  /// because such copies (a checkpoint value) need not be declared `Sendable`.
  public func submit(_ work: @escaping () throws -> Void) throws {
    try wait()
    let box = UncheckedWork(work)
    group.enter()
    queue.async { [self] in
      do { try box.work() } catch { failure.withLock { if $0 == nil { $0 = error } } }
      group.leave()
    }
  }

  /// Waits until every submitted write has finished; throws the error of a write
  /// that failed (once: the error is then cleared).
  public func wait() throws {
    group.wait()
    if let error = failure.withLock({ error -> (any Error)? in
      defer { error = nil }
      return error
    }) {
      throw error
    }
  }
}

/// Carries a write into the queue; ``BackgroundWriter/submit(_:)`` states the contract.
private struct UncheckedWork: @unchecked Sendable {
  let work: () throws -> Void
  init(_ work: @escaping () throws -> Void) { self.work = work }
}
