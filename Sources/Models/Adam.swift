import CKernels
import Compute
import Foundation

/// Adam (Kingma & Ba, 2015) with bias correction, over a whole ``ParameterSet``.
///
/// The moments m and v are flat buffers with the parameter set's layout, so
/// the update is one loop over every Float, split across threads (it is
/// element-wise, so the split cannot change the result).
public final class Adam {
  /// First-moment estimates, in the parameter layout.
  public let m: FloatBuffer
  /// Second-moment estimates, in the parameter layout.
  public let v: FloatBuffer
  /// Updates taken so far (t in the paper); the next update uses t + 1.
  public var step: Int = 0
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float

  public init(count: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    m = FloatBuffer(count: count)
    v = FloatBuffer(count: count)
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// One update of `parameters.values` from `parameters.grads`; increments ``step``.
  ///
  /// Per element, as PyTorch's `torch.optim.Adam` (no weight decay, no amsgrad):
  ///
  ///     m = beta1 m + (1 - beta1) g
  ///     v = beta2 v + (1 - beta2) g^2
  ///     p -= (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
  ///
  /// The bias corrections are computed in Double, the rest in Float with fused
  /// multiply-adds, an exact square root and an exact division. Moments below the
  /// smallest normal Float (1.2e-38) are stored as zero, so that the weights of
  /// pixels that are always blank do not keep subnormal moments for ever: on Intel
  /// cores each subnormal operand costs a microcode assist, and before this the
  /// bench model's epochs slowed from 62k to 34k samples/s by the third epoch
  /// (2 threads, Xeon family 6 model 207). The step taken from such a moment is
  /// below 1e-33 and changes no weight.
  public func update(_ parameters: ParameterSet, parallel: Parallel) {
    precondition(parameters.count == m.count, "Adam state has \(m.count) Floats, parameters \(parameters.count)")
    step += 1
    // Bias corrections in Double: beta2^t is close to 1 for thousands of steps.
    let t = Double(step)
    let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
    let inverseCorrection2 = Float(1 / (1 - pow(Double(beta2), t)).squareRoot())
    let (b1, b2, eps) = (beta1, beta2, epsilon)
    let (p, g, m, v) = (parameters.values.pointer, UnsafePointer(parameters.grads.pointer), m.pointer, v.pointer)
    // Parameter sets are padded to multiples of 16 Floats and the chunks are multiples
    // of 16, so every chunk is whole vectors.
    precondition(parameters.count % 16 == 0, "parameter count must be a multiple of 16")
    let count = parameters.count
    // Claimed chunks rather than one half per thread: the update is memory-bound, and
    // the half holding the input layer (whose state was touched longest ago) took 1.7x
    // as long as the other at two threads (Xeon), leaving one thread idle.
    parallel.forEachClaimedChunk(Parallel.chunks(count: count, size: Self.chunkFloats), work: count) { chunk in
      let i = chunk * Self.chunkFloats
      // CKernels: AVX-512 or AVX2 with an exact square root and division.
      dv_adam(Int64(min(Self.chunkFloats, count - i)), p + i, g + i, m + i, v + i, b1, b2, stepSize, inverseCorrection2, eps)
    }
  }

  /// Floats per chunk that a thread claims (a multiple of 16; 64 KB of each of the four streams).
  static let chunkFloats = 16_384

  /// Clears the moments and the step count.
  public func reset() {
    m.fill(0)
    v.fill(0)
    step = 0
  }
}
