import Compute
import Foundation
import Models
import Runs

extension TrainedModel {
  /// The most importance samples per image (`vae-eval --iw-samples`). The log weights of
  /// one chunk of images take 8 x max(4000, k) bytes, so k is a memory size as well as a
  /// time: 10^9 grew past 7.7 GB. k = 5000 takes about 5 min on all of MNIST, 100,000 about 2 h.
  public static let maxImportanceSamples = 100_000

  /// The seeded stream of the importance-weighted bound's eps (apart from the ELBO's).
  public static let importanceStream: UInt64 = 1 << 43

  /// Latent rows drawn and scored per pass: whole images' k samples, or part of one image's.
  static let importanceRows = 4000

  /// The importance-weighted bound (Burda et al. 2015) of log p(x) (of log p(x | y) for a
  /// cvae, whose `labels` give y), averaged over `count` images `images` [count, D] bytes,
  /// with `samples` = k draws per image; nats.
  ///
  /// For each image, eps_j ~ N(0, I) (drawn image by image, sample by sample, from
  /// `Xoshiro256(seed: seed, stream: importanceStream)`, so chunking changes nothing),
  /// z_j = mu + sigma eps_j and
  /// `log w_j = log p(x | z_j) + log N(z_j; 0, I) - log N(z_j; mu, sigma^2)`;
  /// the bound is `logsumexp_j log w_j - log k`, in Double. The bound is at most
  /// log p(x) and tightens (in expectation) as k grows; with k = 1 its mean is the ELBO.
  /// A cvae's prior is N(0, I) whatever the label, and its encoder and decoder see y.
  /// Not for inpaint models (their likelihood is conditioned on the observed pixels).
  public func importanceWeightedBound(
    images: ArraySlice<UInt8>, labels: ArraySlice<UInt8>? = nil, count: Int, samples: Int, seed: UInt64
  ) -> Double {
    precondition((1...Self.maxImportanceSamples).contains(samples), "samples must be 1...\(Self.maxImportanceSamples)")
    precondition(!kind.run.needsMasks, "the importance-weighted bound is for vae and cvae models")
    precondition((labels != nil) == kind.run.needsLabels, "labels are needed exactly for a cvae")
    var generator = Xoshiro256(seed: seed, stream: Self.importanceStream)
    let d = config.model.inputSize
    let imagesPerChunk = max(1, Self.importanceRows / samples)
    var scratch = ImportanceScratch(model: self, imagesPerChunk: imagesPerChunk, samples: samples)
    var total = 0.0
    var start = 0
    let base = images.startIndex
    while start < count {
      let b = min(imagesPerChunk, count - start)
      let x = Self.unit(images[(base + start * d)..<(base + (start + b) * d)])
      let y = labels.map { Array($0[($0.startIndex + start)..<($0.startIndex + start + b)]) }
      for value in importanceWeightedBounds(x, labels: y, count: b, samples: samples, scratch: &scratch, generator: &generator) {
        total += value
      }
      start += b
    }
    return total / Double(count)
  }

  /// Per image of `x` [count, D] (intensities, with their `labels` for a cvae): the log
  /// weights' logsumexp minus log k. The count x k latent rows (image-major) are drawn and
  /// scored ``importanceRows`` at a time.
  func importanceWeightedBounds(
    _ x: [Float], labels: [UInt8]?, count: Int, samples k: Int, scratch: inout ImportanceScratch,
    generator: inout Xoshiro256
  ) -> [Double] {
    let (d, zSize, c) = (config.model.inputSize, config.model.latent, config.model.condition)
    let conditions = labels.map { LabelCondition.oneHot($0, classes: classCount) }
    let (mu, logVar) = vae.encode(x, conditions: conditions, count: count)
    let sigma = logVar.map { Foundation.exp(0.5 * $0) }
    let totalRows = count * k
    var done = 0
    while done < totalRows {
      let rows = min(Self.importanceRows, totalRows - done)
      scratch.z.withUnsafeMutableBufferPointer { z in
        let eps = UnsafeMutableBufferPointer(rebasing: z[0..<(rows * zSize)])
        generator.fillNormal(eps, parallel: vae.parallel)
        for r in 0..<rows {
          let i = (done + r) / k
          var sum = 0.0
          for u in 0..<zSize {
            let e = eps[r * zSize + u]
            let value = mu[i * zSize + u] + sigma[i * zSize + u] * e
            // log N(z; 0, I) - log N(z; mu, sigma^2) with z - mu = sigma eps: the 2 pi terms cancel.
            let (zd, ed) = (Double(value), Double(e))
            sum += -0.5 * zd * zd + 0.5 * ed * ed + 0.5 * Double(logVar[i * zSize + u])
            z[r * zSize + u] = value
          }
          scratch.logWeights[done + r] = sum
        }
      }
      if let conditions {
        for r in 0..<rows {
          let i = (done + r) / k
          for j in 0..<c { scratch.conditions[r * c + j] = conditions[i * c + j] }
        }
      }
      x.withUnsafeBufferPointer { x in
        scratch.z.withUnsafeBufferPointer { z in
          scratch.conditions.withUnsafeBufferPointer { conditionRows in
            scratch.losses.withUnsafeMutableBufferPointer { losses in
              guard let x = x.baseAddress, let z = z.baseAddress, let out = losses.baseAddress else { return }
              let first = done
              vae.reconstructionLosses(
                codes: z, conditions: c > 0 ? conditionRows.baseAddress : nil, count: rows,
                target: { x + ((first + $0) / k) * d }, into: out)
            }
          }
        }
      }
      for r in 0..<rows { scratch.logWeights[done + r] -= scratch.losses[r] }
      done += rows
    }
    return (0..<count).map { i in Self.logSumExp(scratch.logWeights[i * k..<(i + 1) * k]) - log(Double(k)) }
  }

  /// log(sum(exp(values))), shifted by the maximum so that nothing overflows.
  static func logSumExp(_ values: ArraySlice<Double>) -> Double {
    guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
    var sum = 0.0
    for v in values { sum += exp(v - top) }
    return top + log(sum)
  }
}

/// Buffers of the importance-weighted bound, allocated once per evaluation and reused.
struct ImportanceScratch {
  /// eps, then z in place [importanceRows, Z].
  var z: [Float]
  /// The rows' conditions [importanceRows, C] (empty for a plain VAE).
  var conditions: [Float]
  /// -log p(x | z) per row.
  var losses: [Double]
  /// Log weights of a chunk's images, image-major [imagesPerChunk * k].
  var logWeights: [Double]

  init(model: TrainedModel, imagesPerChunk: Int, samples: Int) {
    let rows = TrainedModel.importanceRows
    z = [Float](repeating: 0, count: rows * model.config.model.latent)
    conditions = [Float](repeating: 0, count: rows * model.config.model.condition)
    losses = [Double](repeating: 0, count: rows)
    logWeights = [Double](repeating: 0, count: imagesPerChunk * samples)
  }
}
