import Compute

/// One GEMM shape of a training step and how fast OpenBLAS runs it alone.
public struct GEMMShape: Codable, Equatable, Sendable {
  /// C is [m, n]; the inner dimension is k.
  public var m: Int, n: Int, k: Int
  public var transposeA: Bool, transposeB: Bool
  /// How many times one step runs this shape.
  public var callsPerStep: Int
  /// 2 m n k.
  public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
  /// Median GFLOP/s of cblas_sgemm alone at this shape, with the better of the two
  /// ways to use the threads (``Parallel/GEMMThreading``).
  public var referenceGFLOPs: Double = 0
  /// The way of using the threads that was faster in most rounds (products under
  /// ``Parallel/minimumParallelFlops`` are single-threaded either way).
  public var fasterThreading: Parallel.GEMMThreading = .split
}
