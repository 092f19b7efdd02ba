import CKernels
import Dispatch

/// The machine's fused multiply-add peak, measured with a plain FMA loop (no memory
/// traffic) in the widest registers the CPU has: what no kernel can beat.
public enum FMAPeak {
  /// The instruction set the C kernels run on this CPU: "AVX-512", "AVX2+FMA" or "scalar".
  public static var instructionSet: String {
    switch dv_isa() {
    case 2: "AVX-512"
    case 1: "AVX2+FMA"
    default: "scalar"
    }
  }

  /// GFLOP/s of `threads` FMA loops run at once (each on its own thread, started together):
  /// the FLOPs of all of them over the wall time of the slowest, best of `repeats`
  /// measurements of about `seconds` each.
  ///
  /// Many short measurements rather than one long one: on a shared machine the best of
  /// them is the one least disturbed by other processes.
  /// With `threads` above the free cores the figure falls: on a shared machine the
  /// ratio of the all-core figure to `threads` times the one-core figure says how much
  /// of the other cores the run really had.
  public static func measure(threads: Int = 1, seconds: Double = 0.03, repeats: Int = 10) -> Double {
    precondition(threads >= 1 && seconds > 0 && repeats >= 1, "threads and repeats at least 1, seconds positive")
    // Calibrate on one thread: iterations that take about `seconds`.
    var sink: Float = 0
    var iterations: Int64 = 1 << 16
    while true {
      let start = DispatchTime.now().uptimeNanoseconds
      _ = dv_fma_loop(iterations, &sink)
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if elapsed >= seconds / 4 {
        iterations = Int64(Double(iterations) * seconds / elapsed)
        break
      }
      iterations *= 4
    }
    let perThread = iterations
    var best = 0.0
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      let flops = SendableFlops(count: threads)
      DispatchQueue.concurrentPerform(iterations: threads) { t in
        var sink: Float = 0
        flops.set(t, dv_fma_loop(perThread, &sink))
      }
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      best = max(best, flops.total / elapsed / 1e9)
    }
    return best
  }
}

/// Per-thread FLOP counts written from `concurrentPerform` (each thread its own slot).
private final class SendableFlops: @unchecked Sendable {
  private let values: UnsafeMutablePointer<Double>
  private let count: Int
  init(count: Int) {
    self.count = count
    values = .allocate(capacity: count)
    values.initialize(repeating: 0, count: count)
  }
  deinit { values.deallocate() }
  func set(_ index: Int, _ value: Double) { values[index] = value }
  var total: Double { (0..<count).reduce(0) { $0 + values[$1] } }
}
