import CKernels

// Legend: R = rows, K = columns of the sparse matrix, N = columns of the dense one.

/// A sparse matrix [R, K] held by rows (the non-zero entries of each row, in column
/// order) and, after ``transpose()``, by columns too; buffers sized once for at most
/// `maxRows x maxColumns` entries and reused.
///
/// It serves a layer whose input is mostly zeros (MNIST pixels: about 81%): the
/// forward product x W and the weight gradient x^T dy then touch only the non-zero
/// pixels (``multiply(by:ldb:columns:bias:relu:into:ldc:parallel:)`` and
/// ``multiplyTransposed(by:ldb:columns:into:ldc:parallel:)``). Every output row is
/// summed by one thread in the entries' order, so results do not depend on the
/// thread count.
public final class CompressedRows {
  /// Largest R and K this instance holds.
  public let maxRows: Int
  public let maxColumns: Int
  /// R and K of the matrix held now.
  public private(set) var rows = 0
  public private(set) var columns = 0
  /// Non-zero entries held now.
  public private(set) var entries = 0

  private let start: UnsafeMutablePointer<Int32>  // [R + 1] offsets of each row's entries
  private let index: UnsafeMutablePointer<Int32>  // [R K] column of each entry
  private let value: UnsafeMutablePointer<Float>  // [R K]
  private let columnStart: UnsafeMutablePointer<Int32>  // [K + 1] offsets of each column's entries
  private let rowIndex: UnsafeMutablePointer<Int32>  // [R K] row of each entry, by columns
  private let columnValue: UnsafeMutablePointer<Float>  // [R K]

  public init(maxRows: Int, maxColumns: Int) {
    precondition(maxRows >= 1 && maxColumns >= 1, "sizes must be at least 1")
    precondition(maxRows * maxColumns < Int(Int32.max), "too many entries for Int32 offsets")
    self.maxRows = maxRows
    self.maxColumns = maxColumns
    // 16 spare slots: the compressing kernel stores whole vectors past the last entry.
    let capacity = maxRows * maxColumns + 16
    start = .allocate(capacity: maxRows + 1)
    start.initialize(repeating: 0, count: maxRows + 1)
    index = .allocate(capacity: capacity)
    index.initialize(repeating: 0, count: capacity)
    value = .allocate(capacity: capacity)
    value.initialize(repeating: 0, count: capacity)
    columnStart = .allocate(capacity: maxColumns + 1)
    columnStart.initialize(repeating: 0, count: maxColumns + 1)
    rowIndex = .allocate(capacity: capacity)
    rowIndex.initialize(repeating: 0, count: capacity)
    columnValue = .allocate(capacity: capacity)
    columnValue.initialize(repeating: 0, count: capacity)
  }

  deinit {
    start.deallocate()
    index.deallocate()
    value.deallocate()
    columnStart.deallocate()
    rowIndex.deallocate()
    columnValue.deallocate()
  }

  /// The fraction of entries that are non-zero (0 when empty).
  public var density: Double { rows * columns == 0 ? 0 : Double(entries) / Double(rows * columns) }

  /// Holds the non-zero entries of the dense row-major `x` [R, K] (row stride `ldx`, default K).
  /// The transposed form is stale until ``transpose()``.
  public func compress(_ x: UnsafePointer<Float>, rows: Int, columns: Int, ldx: Int? = nil) {
    precondition(rows >= 0 && rows <= maxRows && columns >= 0 && columns <= maxColumns, "matrix larger than the buffers")
    self.rows = rows
    self.columns = columns
    entries = Int(dv_compress_rows(Int32(rows), Int32(columns), x, Int64(ldx ?? columns), start, index, value))
  }

  /// Fills the by-columns form from the by-rows one (each column's entries in row order).
  public func transpose() {
    dv_transpose_compressed(Int32(rows), Int32(columns), start, index, value, columnStart, rowIndex, columnValue)
  }

  /// `c [R, N] = x [R, K] @ b [K, N] (+ bias [N])`, then max(0, .) with `relu`;
  /// c is overwritten. Rows are split across `parallel`'s threads in contiguous runs
  /// of about equal entries.
  public func multiply(
    by b: UnsafePointer<Float>, ldb: Int? = nil, columns n: Int, bias: UnsafePointer<Float>? = nil, relu: Bool = false,
    into c: UnsafeMutablePointer<Float>, ldc: Int? = nil, parallel: Parallel
  ) {
    let (ldb, ldc) = (Int64(ldb ?? n), ldc ?? n)
    Self.split(start, count: rows, work: entries * n, parallel: parallel) { range in
      dv_sparse_dense(
        Int32(range.count), Int32(n), Int32(columns), start + range.lowerBound, index, value, b, ldb, bias, relu ? 1 : 0,
        c + range.lowerBound * ldc, Int64(ldc))
    }
  }

  /// `c [K, N] = x^T [K, R] @ b [R, N]` (after ``transpose()``); c is overwritten,
  /// rows of c with no entries become 0.
  public func multiplyTransposed(
    by b: UnsafePointer<Float>, ldb: Int? = nil, columns n: Int, into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    parallel: Parallel
  ) {
    let (ldb, ldc) = (Int64(ldb ?? n), ldc ?? n)
    Self.split(columnStart, count: columns, work: entries * n, parallel: parallel) { range in
      dv_sparse_dense(
        Int32(range.count), Int32(n), Int32(rows), columnStart + range.lowerBound, rowIndex, columnValue, b, ldb, nil, 0,
        c + range.lowerBound * ldc, Int64(ldc))
    }
  }

  /// Calls `body` with one contiguous range of `0..<count` per thread, the bounds placed
  /// so that each range holds about the same number of entries (by `offsets` [count + 1]).
  private static func split(
    _ offsets: UnsafePointer<Int32>, count: Int, work: Int, parallel: Parallel, _ body: (Range<Int>) -> Void
  ) {
    let threads = parallel.threads
    if threads == 1 || work < Parallel.minimumParallelWork || count < 2 {
      body(0..<count)
      return
    }
    let total = Int(offsets[count])
    // The first row whose start offset reaches t / threads of the entries.
    func bound(_ t: Int) -> Int {
      if t >= threads { return count }
      let target = total * t / threads
      var (low, high) = (0, count)
      while low < high {
        let mid = (low + high) / 2
        if Int(offsets[mid]) < target { low = mid + 1 } else { high = mid }
      }
      return low
    }
    parallel.run { t in
      let range = bound(t)..<bound(t + 1)
      if !range.isEmpty { body(range) }
    }
  }
}
