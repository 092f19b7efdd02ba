import Compute
import Foundation
import Models

extension TrainedModel {
  /// The seeded stream of the importance-weighted bound's eps (apart from the ELBO's).
  public static let importanceStream: UInt64 = 1 << 43

  /// Latent samples decoded per call: whole images' k samples, about this many rows.
  static let importanceRows = 4000

  /// The importance-weighted bound (Burda et al. 2015) of log p(x), averaged over
  /// `count` images `images` [count, D] bytes, with `samples` = k draws per image; nats.
  ///
  /// For each image, eps_j ~ N(0, I) (drawn image by image, sample by sample, from
  /// `Xoshiro256(seed: seed, stream: importanceStream)`, so chunking changes nothing),
  /// z_j = mu + sigma eps_j and
  /// `log w_j = log p(x | z_j) + log N(z_j; 0, I) - log N(z_j; mu, sigma^2)`;
  /// the bound is `logsumexp_j log w_j - log k`, in Double. The bound is at most
  /// log p(x) and tightens (in expectation) as k grows; with k = 1 its mean is the ELBO.
  /// Plain (unconditional) models only.
  public func importanceWeightedBound(images: ArraySlice<UInt8>, count: Int, samples: Int, seed: UInt64) -> Double {
    precondition(samples >= 1, "samples must be at least 1")
    precondition(vae.config.condition == 0, "the importance-weighted bound is for unconditional models")
    var generator = Xoshiro256(seed: seed, stream: Self.importanceStream)
    let d = config.model.inputSize
    let imagesPerChunk = max(1, Self.importanceRows / samples)
    var total = 0.0
    var start = 0
    let base = images.startIndex
    while start < count {
      let b = min(imagesPerChunk, count - start)
      let x = Self.unit(images[(base + start * d)..<(base + (start + b) * d)])
      let bounds = importanceWeightedBounds(x, count: b, samples: samples, generator: &generator)
      for value in bounds { total += value }
      start += b
    }
    return total / Double(count)
  }

  /// Per image of `x` [count, D] (intensities): the log weights' logsumexp minus log k.
  /// The count x k latent rows (image-major) are decoded ``importanceRows`` at a time.
  func importanceWeightedBounds(_ x: [Float], count: Int, samples k: Int, generator: inout Xoshiro256) -> [Double] {
    let (d, zSize) = (config.model.inputSize, config.model.latent)
    let (mu, logVar) = vae.encode(x, count: count)
    let totalRows = count * k
    var logWeights = [Double](repeating: 0, count: totalRows)
    var done = 0
    while done < totalRows {
      let rows = min(Self.importanceRows, totalRows - done)
      var eps = [Float](repeating: 0, count: rows * zSize)
      eps.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
      var z = [Float](repeating: 0, count: rows * zSize)
      var targets = [Float](repeating: 0, count: rows * d)
      for r in 0..<rows {
        let i = (done + r) / k
        var sum = 0.0
        for u in 0..<zSize {
          let lv = logVar[i * zSize + u]
          let e = eps[r * zSize + u]
          let value = mu[i * zSize + u] + exp(0.5 * lv) * e
          z[r * zSize + u] = value
          // log N(z; 0, I) - log N(z; mu, sigma^2) with z - mu = sigma eps: the 2 pi terms cancel.
          let (zd, ed) = (Double(value), Double(e))
          sum += -0.5 * zd * zd + 0.5 * ed * ed + 0.5 * Double(lv)
        }
        logWeights[done + r] = sum
        for p in 0..<d { targets[r * d + p] = x[i * d + p] }
      }
      let losses = vae.reconstructionLoss(codes: z, targets: targets, count: rows)
      for r in 0..<rows { logWeights[done + r] -= losses[r] }
      done += rows
    }
    return (0..<count).map { i in Self.logSumExp(logWeights[i * k..<(i + 1) * k]) - log(Double(k)) }
  }

  /// log(sum(exp(values))), shifted by the maximum so that nothing overflows.
  static func logSumExp(_ values: ArraySlice<Double>) -> Double {
    guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
    var sum = 0.0
    for v in values { sum += exp(v - top) }
    return top + log(sum)
  }
}
