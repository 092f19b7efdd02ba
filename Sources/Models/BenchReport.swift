/// What ``Benchmark/run(images:count:config:batch:steps:threads:rounds:)`` measured.
public struct BenchReport: Codable, Equatable, Sendable {
  public var config: VAEConfig
  public var batch: Int
  public var threads: Int
  /// OpenBLAS's kernel family (e.g. "SkylakeX").
  public var coreName: String
  /// Median over rounds of the time of one training step (seconds).
  public var stepSeconds: Double
  /// batch / stepSeconds.
  public var samplesPerSecond: Double
  /// Matrix FLOPs of one step (forward and backward GEMMs; the first layer's input gradient is not computed).
  public var flopsPerStep: Double
  /// flopsPerStep / stepSeconds, in GFLOP/s.
  public var achievedGFLOPs: Double
  /// Each GEMM shape of the step with its reference speed.
  public var shapes: [GEMMShape]
  /// The time the step's GEMMs take alone at the reference speeds (seconds; median over rounds).
  public var gemmSecondsPerStep: Double
  /// batch / gemmSecondsPerStep: the rate if everything but the GEMMs were free.
  public var gemmBoundSamplesPerSecond: Double
  /// GEMM time / step time, taken per round and the median reported (1 = the step
  /// costs no more than its GEMMs alone).
  public var ratio: Double
  /// The FMA peak of one core (GFLOP/s, ``FMAPeak``): the median of the peaks measured
  /// after each round's steps.
  public var fmaPeakGFLOPs: Double = 0
  /// The FMA bound: `threads` cores at ``fmaPeakGFLOPs`` doing nothing but the step's
  /// dense matrix FLOPs (``flopsPerStep`` / batch per sample), in samples/s.
  public var fmaBoundSamplesPerSecond: Double = 0
  /// The step's samples/s over the FMA bound, taken per round against that round's own
  /// peak, the median reported (so close to, not exactly, samplesPerSecond /
  /// fmaBoundSamplesPerSecond). The FLOPs are counted dense: a step that skips zero
  /// inputs (the sparse first layer) does fewer, so this can pass 1.
  public var fmaRatio: Double = 0
}
