import Compute
import Foundation
@testable import Models

// Independent Double-precision re-implementations used as references, and a
// central-difference gradient check. Nothing here calls the kernels under test.

enum Reference {
  static func activation(_ a: Activation?, _ x: Double) -> Double {
    switch a {
    case nil: return x
    case .relu: return max(x, 0)
    case .leakyRelu: return x > 0 ? x : 0.01 * x
    case .elu: return x > 0 ? x : Foundation.exp(x) - 1
    case .tanh: return Foundation.tanh(x)
    }
  }

  /// y [B, O] = f(x [B, I] @ W [I, O] + b [O]).
  static func linear(_ x: [Double], _ w: [Double], _ b: [Double], batch: Int, inputs: Int, outputs: Int, _ a: Activation?) -> [Double] {
    var y = [Double](repeating: 0, count: batch * outputs)
    for r in 0..<batch {
      for o in 0..<outputs {
        var sum = b[o]
        for i in 0..<inputs { sum += x[r * inputs + i] * w[i * outputs + o] }
        y[r * outputs + o] = activation(a, sum)
      }
    }
    return y
  }

  /// Bernoulli negative log-likelihood of t under logit x, computed as -t log p - (1 - t) log(1 - p)
  /// with log p = -log(1 + e^-x) (a different route from the kernel's formula).
  static func bce(_ x: Double, _ t: Double) -> Double {
    let logP = -Foundation.log1p(Foundation.exp(-x))
    let log1mP = -x + logP  // log(1 - p) = log p - x
    return -(t * logP + (1 - t) * log1mP)
  }

  static func kl(_ mu: Double, _ logVar: Double) -> Double {
    -0.5 * (1 + logVar - mu * mu - Foundation.exp(logVar))
  }

  /// Central differences of `f` at `x` for the listed coordinates.
  static func numericGradient(_ x: [Double], at indices: [Int], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    indices.map { i in
      var plus = x
      var minus = x
      plus[i] += h
      minus[i] -= h
      return (f(plus) - f(minus)) / (2 * h)
    }
  }

  /// The largest |a - b| / max(1e-3, |b|) over the pairs, with where it happened.
  static func worstRelative(_ analytic: [Double], _ numeric: [Double]) -> (error: Double, index: Int) {
    var worst = (error: 0.0, index: -1)
    for (i, (a, n)) in zip(analytic, numeric).enumerated() {
      let e = abs(a - n) / max(1e-3, abs(n))
      if e > worst.error { worst = (e, i) }
    }
    return worst
  }

  /// The named tensors of a parameter vector laid out as `vae`'s, and its dense layers in Double.
  struct Layers {
    let p: [Double]
    let entries: [String: ParameterSet.Entry]
    let batch: Int

    init(_ p: [Double], _ vae: VAE, batch: Int) {
      self.p = p
      entries = Dictionary(uniqueKeysWithValues: vae.parameters.entries.map { ($0.name, $0) })
      self.batch = batch
    }

    func tensor(_ name: String) -> [Double] {
      guard let e = entries[name] else { return [] }
      return Array(p[e.offset..<e.offset + e.count])
    }

    /// f(input @ <name>.weight + <name>.bias) for `batch` rows; empty when there is no such layer.
    func layer(_ name: String, _ input: [Double], _ a: Activation?) -> [Double] {
      guard let e = entries[name + ".weight"] else { return [] }
      return Reference.linear(
        input, tensor(name + ".weight"), tensor(name + ".bias"), batch: batch, inputs: e.shape[0], outputs: e.shape[1], a)
    }
  }

  static func randomFloats(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var g = Xoshiro256(seed: seed)
    return (0..<count).map { _ in (2 * g.nextFloat() - 1) * scale }
  }
}

extension Array where Element == Float {
  var doubles: [Double] { map(Double.init) }
}
