import Foundation

/// Softmax cross-entropy over class logits, in the log-sum-exp form, with its gradient.
///
/// For one row of logits z and label y:
///
///     L = logsumexp(z) - z[y],   logsumexp(z) = m + log sum_j exp(z[j] - m),  m = max_j z[j]
///     dL/dz[j] = softmax(z)[j] - [j == y]
///
/// Subtracting the row maximum keeps every exponent <= 0, so no logit overflows.
public enum SoftmaxCrossEntropy {
  /// The summed loss and the number of rows whose largest logit is the label.
  public struct Result: Equatable, Sendable {
    /// Sum over rows of L (in Double).
    public var loss: Double
    /// Rows where argmax z == y (the first maximum on ties).
    public var correct: Int
  }

  /// Loss of `batch` rows of `classes` logits against `labels`; when `gradient` is given it
  /// receives `scale * dL/dz` per row (pass 1 / batch to get the gradient of the mean loss).
  ///
  /// Preconditions (programmer errors): every label is below `classes`.
  public static func evaluate(
    logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, batch: Int, classes: Int,
    gradient: UnsafeMutablePointer<Float>?, scale: Float = 1
  ) -> Result {
    var loss = 0.0
    var correct = 0
    for r in 0..<batch {
      let row = logits + r * classes
      let label = Int(labels[r])
      precondition(label < classes, "label \(label) out of range for \(classes) classes")
      var maximum = row[0]
      var best = 0
      for j in 1..<classes where row[j] > maximum {
        maximum = row[j]
        best = j
      }
      if best == label { correct += 1 }
      var sum = 0.0
      for j in 0..<classes { sum += Foundation.exp(Double(row[j] - maximum)) }
      let logSumExp = Double(maximum) + Foundation.log(sum)
      loss += logSumExp - Double(row[label])
      if let gradient {
        let out = gradient + r * classes
        for j in 0..<classes {
          let p = Foundation.exp(Double(row[j]) - logSumExp)
          out[j] = Float(p - (j == label ? 1 : 0)) * scale
        }
      }
    }
    return Result(loss: loss, correct: correct)
  }
}
