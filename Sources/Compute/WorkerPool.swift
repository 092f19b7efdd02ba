#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Dispatch
import Synchronization

/// Process-wide worker threads that run the parts of a ``Parallel/run(_:)`` region
/// beside the calling thread.
///
/// `DispatchQueue.concurrentPerform` costs a thread wake-up (several microseconds,
/// far more when the machine is loaded) and a few small allocations per region, and
/// a training step has a few dozen regions. Here the workers spin for a while
/// (``spinNanoseconds``) after each region before sleeping on a condition variable,
/// so regions in quick succession find them awake.
///
/// Parts are claimed, not assigned: the caller and the workers take part indices from
/// one atomic counter, so when a worker is slow to start (asleep, or its core taken
/// by another process) the caller runs that part too. Which thread runs part `t`
/// never changes what part `t` computes, so results stay the same bits.
///
/// One region runs at a time. A region started while another is running (from
/// another thread, or nested inside a part) falls back to `concurrentPerform`.
/// The workers are detached and never exit: they hold no resources a process must
/// release, so exiting the process while they sleep or spin is safe. They block the
/// asynchronous signals (SIGINT, SIGTERM, ...) so those reach the process's own threads.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
  /// How long an idle worker spins before it sleeps.
  static let spinNanoseconds: UInt64 = 200_000

  @usableFromInline static let shared = WorkerPool()

  /// generation << 32 | part count << 16 | next unclaimed part.
  private let state = Atomic<UInt64>(0)
  /// Parts of the current region finished.
  private let completed = Atomic<Int>(0)
  /// Workers in (or about to enter) `pthread_cond_wait`.
  private let sleepers = Atomic<Int>(0)
  /// Set while a region runs.
  private let busy = Atomic<Bool>(false)
  /// The current region's body; written only while `busy` and no part is claimable.
  private var job: ((Int) -> Void)?
  /// Worker threads started; changed only while `busy`.
  private var workers = 0
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>

  private init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    condition.initialize(to: pthread_cond_t())
    pthread_cond_init(condition, nil)
  }

  /// Calls `body(t)` for every `t` in `0..<parts` (at most 65,535), on the calling
  /// thread and up to `parts - 1` workers, and returns when all calls have returned.
  @usableFromInline
  func run(parts: Int, _ body: (Int) -> Void) {
    precondition(parts >= 1 && parts <= 0xFFFF, "part count out of range")
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      withoutActuallyEscaping(body) { escapable in
        let box = UncheckedBody(body: escapable)
        DispatchQueue.concurrentPerform(iterations: parts) { box.body($0) }
      }
      return
    }
    while workers < parts - 1 { startWorker() }
    withoutActuallyEscaping(body) { escapable in
      job = escapable
      completed.store(0, ordering: .relaxed)
      let generation = (state.load(ordering: .relaxed) >> 32) &+ 1
      state.store((generation << 32) | (UInt64(parts) << 16), ordering: .sequentiallyConsistent)
      if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
      }
      while claimAndRun() {}
      var spins = 0
      while completed.load(ordering: .acquiring) < parts {
        spins += 1
        // The part left is running on a worker; if it is taking long, that worker
        // has probably lost its core, so let others run.
        if spins < 4096 { pause() } else { sched_yield() }
      }
      job = nil
    }
    busy.store(false, ordering: .releasing)
  }

  /// Claims the next part of the current region and runs it; false when none was left.
  private func claimAndRun() -> Bool {
    var current = state.load(ordering: .acquiring)
    while true {
      let next = current & 0xFFFF
      let count = (current >> 16) & 0xFFFF
      guard next < count else { return false }
      let (exchanged, original) = state.weakCompareExchange(
        expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
      if exchanged {
        runPart(Int(next))
        completed.add(1, ordering: .releasing)
        return true
      }
      current = original
    }
  }

  /// Runs part `index` of the current job (kept out of line so the job's closure
  /// is released before the part is counted as completed).
  @inline(never)
  private func runPart(_ index: Int) {
    if let job { job(index) }
  }

  private func startWorker() {
    workers += 1
    let context = Unmanaged.passUnretained(self).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let status = pthread_create(
      &thread, &attributes,
      { context in
        guard let context else { return nil }
        Unmanaged<WorkerPool>.fromOpaque(context).takeUnretainedValue().workerLoop()
        return nil
      }, context)
    pthread_attr_destroy(&attributes)
    precondition(status == 0, "pthread_create failed with \(status)")
  }

  private func workerLoop() {
    var blocked = sigset_t()
    sigemptyset(&blocked)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGPIPE] {
      sigaddset(&blocked, signal)
    }
    pthread_sigmask(SIG_BLOCK, &blocked, nil)
    while true {
      while claimAndRun() {}
      let seen = state.load(ordering: .acquiring)
      let next = seen & 0xFFFF
      if next < (seen >> 16) & 0xFFFF { continue }
      if spinUntilChanged(from: seen) { continue }
      pthread_mutex_lock(mutex)
      sleepers.add(1, ordering: .sequentiallyConsistent)
      while state.load(ordering: .sequentiallyConsistent) == seen {
        pthread_cond_wait(condition, mutex)
      }
      sleepers.subtract(1, ordering: .sequentiallyConsistent)
      pthread_mutex_unlock(mutex)
    }
  }

  /// Spins up to ``spinNanoseconds``; true when `state` changed meanwhile.
  private func spinUntilChanged(from seen: UInt64) -> Bool {
    let start = DispatchTime.now().uptimeNanoseconds
    while true {
      for _ in 0..<64 {
        if state.load(ordering: .relaxed) != seen { return true }
        pause()
      }
      if DispatchTime.now().uptimeNanoseconds &- start > Self.spinNanoseconds { return false }
      // On a loaded machine this worker may share a core with the thread that will
      // publish the next region: let it run rather than spin through its time slice.
      sched_yield()
    }
  }

  /// A short wait inside a spin loop. (`_mm_pause` does not link from Swift here, and
  /// with no SMT siblings on this kind of machine a plain re-load costs nothing extra.)
  @inline(__always)
  private func pause() {}
}
