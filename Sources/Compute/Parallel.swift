import CKernels
import Dispatch
import Foundation
import Synchronization

/// Work split across a fixed number of threads by a fixed partition.
///
/// Every partition here depends only on the problem size and ``threads``,
/// never on timing, so a computation repeated with the same thread count
/// gives the same bits. Kernels that reduce (sums) should also fix the order
/// in which partial results are combined; see ``chunks(count:size:)``.
public struct Parallel: Sendable, Equatable {
  /// How a ``gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)`` uses the threads.
  public enum GEMMThreading: String, Sendable, Codable, CaseIterable {
    /// Split C into one block per thread and compute each block with a single-threaded call, concurrently.
    case split
    /// One OpenBLAS call using its own threads (always OpenBLAS, whatever ``GEMMKernel``).
    case library
  }

  /// Which code computes the products of ``gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)``.
  public enum GEMMKernel: String, Sendable, Codable, CaseIterable {
    /// `dv_gemm` (CKernels): one fused multiply-add chain per element in order of k,
    /// the same bits on every instruction set.
    case own
    /// OpenBLAS's `cblas_sgemm`, whose summation order depends on its kernels.
    case openBLAS = "openblas"

    /// The process's default: ``openBLAS`` when the environment variable
    /// `DIGITVAE_GEMM` is `openblas` (read once, on first use), else ``own``.
    public static let fromEnvironment: GEMMKernel = {
      guard let value = ProcessInfo.processInfo.environment["DIGITVAE_GEMM"] else { return .own }
      return value.lowercased() == "openblas" ? .openBLAS : .own
    }()
  }

  /// The number of threads (1 or more).
  public let threads: Int
  /// How GEMMs use the threads.
  public let gemmThreading: GEMMThreading
  /// Which code computes the GEMMs.
  public let gemmKernel: GEMMKernel

  /// - Parameters:
  ///   - threads: 1 or more; 1 runs everything on the calling thread.
  ///   - gemmKernel: defaults to ``GEMMKernel/fromEnvironment``.
  public init(threads: Int, gemmThreading: GEMMThreading = .split, gemmKernel: GEMMKernel = .fromEnvironment) {
    precondition(threads >= 1, "threads must be at least 1")
    self.threads = threads
    self.gemmThreading = gemmThreading
    self.gemmKernel = gemmKernel
  }

  /// A single-threaded ``Parallel`` with the same GEMM settings, for calls made from inside a region.
  public var singleThreaded: Parallel { Parallel(threads: 1, gemmThreading: gemmThreading, gemmKernel: gemmKernel) }

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

  /// From this inner dimension on, a product with a small C is still split across the
  /// threads (when C has 16 rows or columns or more): a convolution's weight gradient,
  /// [16, 8] summed over 25,088 pixels, reads 2.4 MB and ran at a fifth of one core's
  /// FMA peak on one thread, bound by memory, not by its 6.4 MFLOP.
  public static let longInnerDimension = 4_096

  /// True when a product of these dimensions runs as one single-threaded call.
  @inlinable
  public static func isSmallGEMM(m: Int, n: Int, k: Int) -> Bool {
    if k >= longInnerDimension && max(m, n) >= 16 { return false }
    return max(m, n) < 32 || 2 * m * n * k < minimumParallelFlops
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
    let single = singleThreaded
    single.prepareForConcurrentCalls()
    Parallel(threads: 2).run { t in
      if t == 0 { first(single) } else { second(single) }
    }
  }

  /// Sets OpenBLAS to one thread, before single-threaded GEMMs run from several threads
  /// at once (so that they never race to change the process-wide setting). Nothing to
  /// do when the GEMMs are ``GEMMKernel/own``.
  public func prepareForConcurrentCalls() {
    guard usesOpenBLAS else { return }
    if BLAS.threads != 1 { BLAS.setThreads(1) }
  }

  /// What checkpoints record as the kernels of this ``Parallel``'s products: `dv_gemm` for
  /// the own kernel (whose bits do not depend on the instruction set), else OpenBLAS's
  /// kernel family (``BLAS/coreName``, e.g. "SkylakeX"; families round differently).
  public var gemmKernelsName: String { usesOpenBLAS ? BLAS.coreName : Self.ownKernelsName }

  /// The kernels name of ``GEMMKernel/own``.
  public static let ownKernelsName = "dv_gemm"

  /// A recorded kernels name as messages print it: "dv_gemm", or "OpenBLAS SkylakeX".
  public static func describeKernels(_ name: String) -> String {
    name == ownKernelsName ? name : "OpenBLAS \(name)"
  }

  /// True when ``gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)`` calls
  /// OpenBLAS for ordinary products (alpha 1, beta 0 or 1).
  var usesOpenBLAS: Bool { gemmKernel == .openBLAS || gemmThreading == .library }

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

  /// Calls `body(chunk)` for every chunk in `0..<chunkCount`, the threads taking the
  /// next unclaimed chunk whenever they finish one (on the calling thread when `work`
  /// is below ``minimumParallelWork``).
  ///
  /// For element-wise kernels whose cost per chunk varies with where the data sits
  /// (memory-bound ones: Adam's halves took 433 and 256 us in the same step, Xeon, two
  /// threads): a fixed split waits for the slower half. Which thread runs a chunk
  /// varies from call to call, so `body` must write only its chunk's own outputs;
  /// the results are then the same bits whoever runs what.
  public func forEachClaimedChunk(_ chunkCount: Int, work: Int = .max, _ body: (Int) -> Void) {
    if threads == 1 || chunkCount == 1 || work < Self.minimumParallelWork {
      for chunk in 0..<chunkCount { body(chunk) }
      return
    }
    let next = Atomic<Int>(0)
    run { _ in
      while true {
        let chunk = next.add(1, ordering: .relaxed).oldValue
        guard chunk < chunkCount else { return }
        body(chunk)
      }
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
  /// With ``GEMMKernel/own`` (the default) the products are `dv_gemm` calls: each
  /// element is one Float fused multiply-add chain over k in ascending order, added to
  /// C once when `beta` is 1. `alpha` other than 1 or `beta` other than 0 and 1 (no
  /// caller uses them) go to OpenBLAS, as does everything with ``GEMMKernel/openBLAS``.
  ///
  /// Small products (``isSmallGEMM(m:n:k:)``) are one single-threaded call.
  /// With ``GEMMThreading/split`` the larger of C's two dimensions is cut into one
  /// block per thread (bounds multiples of 16, or of 8 under 32), each computed by one single-threaded
  /// call; the inner (k) sums are never split, so each element of C is computed by one
  /// call over the whole k range and, with the own kernel, the bits do not depend on
  /// the thread count. For OpenBLAS its thread count is set to 1 for that
  /// (process-wide). With ``GEMMThreading/library`` OpenBLAS's thread count is set to
  /// ``threads`` and one OpenBLAS call is made.
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
    BLAS.checkShape(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
    let own = !usesOpenBLAS && alpha == 1 && (beta == 0 || beta == 1)
    // One block of the product: rows `rows` and columns `columns` of C.
    func block(rows: Range<Int>, columns: Range<Int>) {
      // Row r of op(A) starts at a + r*lda, or at column r (a + r) when A is stored transposed;
      // column j of op(B) starts at b + j, or at row j (b + j*ldb) when B is stored transposed.
      let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
      let bBlock = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
      let cBlock = c + rows.lowerBound * ldc + columns.lowerBound
      if own {
        Self.ownGEMM(
          m: rows.count, n: columns.count, k: k, a: aBlock, lda: lda, transposeA: transposeA, b: bBlock, ldb: ldb,
          transposeB: transposeB, c: cBlock, ldc: ldc, accumulate: beta == 1)
      } else {
        BLAS.gemm(
          m: rows.count, n: columns.count, k: k, a: aBlock, lda: lda, transposeA: transposeA, b: bBlock, ldb: ldb,
          transposeB: transposeB, c: cBlock, ldc: ldc, alpha: alpha, beta: beta)
      }
    }
    let single = threads == 1 || Self.isSmallGEMM(m: m, n: n, k: k)
    if single || gemmThreading == .library {
      if !own {
        let wanted = single ? 1 : threads
        if BLAS.threads != wanted { BLAS.setThreads(wanted) }
      }
      block(rows: 0..<m, columns: 0..<n)
      return
    }
    if !own && BLAS.threads != 1 { BLAS.setThreads(1) }
    let splitRows = m >= n
    // Blocks of 16 (a vector of columns), or 8 when the split dimension is under 32.
    let alignment = max(m, n) < 32 ? 8 : 16
    run { t in
      if splitRows {
        let rows = Self.part(t, of: threads, count: m, alignment: alignment)
        if !rows.isEmpty { block(rows: rows, columns: 0..<n) }
      } else {
        let columns = Self.part(t, of: threads, count: n, alignment: alignment)
        if !columns.isEmpty { block(rows: 0..<m, columns: columns) }
      }
    }
  }

  /// One single-threaded `dv_gemm` call (C = op(A) op(B), or C += op(A) op(B) with `accumulate`).
  /// The caller (``gemm(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:alpha:beta:)``) has
  /// checked the dimensions and leading dimensions of the whole product.
  static func ownGEMM(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool, b: UnsafePointer<Float>, ldb: Int,
    transposeB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    dv_gemm(
      transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), a, Int64(lda), b, Int64(ldb), c,
      Int64(ldc), accumulate ? 1 : 0)
  }
}

/// Carries a closure into `concurrentPerform` (the pool's fallback); ``Parallel/run(_:)`` documents the contract.
@usableFromInline
struct UncheckedBody: @unchecked Sendable {
  @usableFromInline let body: (Int) -> Void
  @usableFromInline init(body: @escaping (Int) -> Void) { self.body = body }
}
