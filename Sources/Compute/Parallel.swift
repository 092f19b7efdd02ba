import Dispatch

/// Work split across a fixed number of threads by a fixed partition.
///
/// Every partition here depends only on the problem size and ``threads``,
/// never on timing, so a computation repeated with the same thread count
/// gives the same bits. Kernels that reduce (sums) should also fix the order
/// in which partial results are combined; see ``chunks(count:size:)``.
public struct Parallel: Sendable, Equatable {
  /// How a ``gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)`` uses the threads.
  public enum GEMMThreading: String, Sendable, Codable, CaseIterable {
    /// Split C into one block per thread and call single-threaded OpenBLAS on each, concurrently.
    case split
    /// One OpenBLAS call using its own threads.
    case library
  }

  /// The number of threads (1 or more).
  public let threads: Int
  /// How GEMMs use the threads.
  public let gemmThreading: GEMMThreading

  /// - Parameter threads: 1 or more; 1 runs everything on the calling thread.
  public init(threads: Int, gemmThreading: GEMMThreading = .split) {
    precondition(threads >= 1, "threads must be at least 1")
    self.threads = threads
    self.gemmThreading = gemmThreading
  }

  /// Calls `body(t)` for `t` in `0..<threads`, concurrently, and returns when all are done.
  ///
  /// The calls run on the calling thread and the workers of a process-wide pool; which
  /// thread runs which `t` is not fixed (a free thread takes the next `t`), so `body`
  /// must depend only on `t`, and must not wait for another call of the same region.
  ///
  /// `body` is not `@Sendable`: it typically captures raw buffers, and it is the
  /// caller's duty that the calls touch disjoint memory (or only read shared memory).
  @inlinable
  public func run(_ body: (Int) -> Void) {
    if threads == 1 {
      body(0)
      return
    }
    WorkerPool.shared.run(parts: threads, body)
  }

  /// Below this many element operations a kernel runs on the calling thread: waking
  /// another thread costs more than it saves (measured: a few microseconds per region).
  public static let minimumParallelWork = 16_384

  /// Below this many FLOPs a GEMM runs as one single-threaded call (measured: splitting
  /// a [128, 400] x [400, 20] product across two threads gains nothing).
  public static let minimumParallelFlops = 8_000_000

  /// True when a product of these dimensions runs as one single-threaded call.
  @inlinable
  public static func isSmallGEMM(m: Int, n: Int, k: Int) -> Bool {
    max(m, n) < 32 || 2 * m * n * k < minimumParallelFlops
  }

  /// Runs two independent tasks, on two threads when there are several (each task
  /// then gets a single-threaded ``Parallel``), else one after the other.
  @inlinable
  public func concurrently(_ first: (Parallel) -> Void, _ second: (Parallel) -> Void) {
    if threads == 1 {
      first(self)
      second(self)
      return
    }
    let single = Parallel(threads: 1, gemmThreading: gemmThreading)
    single.prepareForConcurrentCalls()
    Parallel(threads: 2).run { t in
      if t == 0 { first(single) } else { second(single) }
    }
  }

  /// Sets OpenBLAS to one thread, before single-threaded GEMMs run from several threads
  /// at once (so that they never race to change the process-wide setting).
  public func prepareForConcurrentCalls() {
    if BLAS.threads != 1 { BLAS.setThreads(1) }
  }

  /// Splits `0..<count` into `threads` contiguous ranges whose interior bounds are
  /// multiples of `alignment`, and calls `body(range)` for each, concurrently.
  ///
  /// When `work` (element operations in all, default `count`) is below
  /// ``minimumParallelWork``, calls `body(0..<count)` on the calling thread.
  /// Callers must not depend on the split (element-wise work only).
  @inlinable
  public func forEachRange(count: Int, alignment: Int = 16, work: Int? = nil, _ body: (Range<Int>) -> Void) {
    if threads == 1 || count <= alignment || (work ?? count) < Self.minimumParallelWork {
      body(0..<count)
      return
    }
    run { t in
      let range = Self.part(t, of: threads, count: count, alignment: alignment)
      if !range.isEmpty { body(range) }
    }
  }

  /// Part `index` of `parts` contiguous ranges covering `0..<count`, interior bounds
  /// rounded to multiples of `alignment`.
  @inlinable
  public static func part(_ index: Int, of parts: Int, count: Int, alignment: Int = 1) -> Range<Int> {
    func bound(_ i: Int) -> Int {
      if i >= parts { return count }
      let raw = count * i / parts
      return min(count, (raw + alignment / 2) / alignment * alignment)
    }
    return bound(index)..<bound(index + 1)
  }

  /// The number of fixed-size chunks covering `count` items: `ceil(count / size)`.
  ///
  /// Kernels that reduce split their work into such chunks (sizes fixed by the
  /// problem, not by the thread count) and combine chunk results in chunk order,
  /// so their results do not depend on the thread count either.
  @inlinable
  public static func chunks(count: Int, size: Int) -> Int { (count + size - 1) / size }

  /// Calls `body(chunk)` for every chunk in `0..<chunkCount`, the chunks dealt to
  /// threads in contiguous runs; on the calling thread when `work` (element
  /// operations in all) is below ``minimumParallelWork``.
  @inlinable
  public func forEachChunk(_ chunkCount: Int, work: Int = .max, _ body: (Int) -> Void) {
    if threads == 1 || chunkCount == 1 || work < Self.minimumParallelWork {
      for chunk in 0..<chunkCount { body(chunk) }
      return
    }
    run { t in
      for chunk in Self.part(t, of: threads, count: chunkCount) { body(chunk) }
    }
  }

  /// Calls `body(range)` once per thread with a contiguous run of `0..<chunkCount`
  /// (the runs ``forEachChunk(_:work:_:)`` deals), or once with all of it on the
  /// calling thread when `work` is below ``minimumParallelWork``.
  @inlinable
  public func forEachChunkRange(_ chunkCount: Int, work: Int = .max, _ body: (Range<Int>) -> Void) {
    if threads == 1 || chunkCount == 1 || work < Self.minimumParallelWork {
      body(0..<chunkCount)
      return
    }
    run { t in
      let range = Self.part(t, of: threads, count: chunkCount)
      if !range.isEmpty { body(range) }
    }
  }

  /// Row-major `C = alpha * op(A) * op(B) + beta * C` on all threads; the same
  /// contract as ``BLAS/gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)``.
  ///
  /// Products under ``minimumParallelFlops`` are one single-threaded call.
  /// With ``GEMMThreading/split`` the larger of C's two dimensions is cut into one
  /// block per thread (bounds multiples of 16), each computed by a single-threaded
  /// OpenBLAS call; the inner (k) sums are never split, so each element of C is
  /// computed by one call over the whole k range. OpenBLAS's thread count is set
  /// to 1 for that (process-wide). With ``GEMMThreading/library`` it is set to
  /// ``threads`` and one call is made.
  public func gemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int? = nil, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool = false,
    c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    alpha: Float = 1, beta: Float = 0
  ) {
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    let single = threads == 1 || Self.isSmallGEMM(m: m, n: n, k: k)
    if gemmThreading == .library || single {
      let wanted = single ? 1 : threads
      if BLAS.threads != wanted { BLAS.setThreads(wanted) }
      BLAS.gemm(
        m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
        c: c, ldc: ldc, alpha: alpha, beta: beta)
      return
    }
    if BLAS.threads != 1 { BLAS.setThreads(1) }
    let splitRows = m >= n
    run { t in
      if splitRows {
        let rows = Self.part(t, of: threads, count: m, alignment: 16)
        guard !rows.isEmpty else { return }
        // Row r of op(A) starts at a + r*lda, or at column r (a + r) when A is stored transposed.
        let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
        BLAS.gemm(
          m: rows.count, n: n, k: k, a: aBlock, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
          transposeB: transposeB, c: c + rows.lowerBound * ldc, ldc: ldc, alpha: alpha, beta: beta)
      } else {
        let columns = Self.part(t, of: threads, count: n, alignment: 16)
        guard !columns.isEmpty else { return }
        // Column j of op(B) starts at b + j, or at row j (b + j*ldb) when B is stored transposed.
        let bBlock = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
        BLAS.gemm(
          m: m, n: columns.count, k: k, a: a, lda: lda, transposeA: transposeA, b: bBlock, ldb: ldb,
          transposeB: transposeB, c: c + columns.lowerBound, ldc: ldc, alpha: alpha, beta: beta)
      }
    }
  }
}

/// Carries a closure into `concurrentPerform` (the pool's fallback); ``Parallel/run(_:)`` documents the contract.
@usableFromInline
struct UncheckedBody: @unchecked Sendable {
  @usableFromInline let body: (Int) -> Void
  @usableFromInline init(body: @escaping (Int) -> Void) { self.body = body }
}
