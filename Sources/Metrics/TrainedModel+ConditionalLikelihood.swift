import Compute
import Foundation
import Models
import Runs

// Legend: N = images, D = pixels, Z = latent units, C = condition width (2 D: occluded image and mask),
//   S = samples of the ELBO, K = importance samples; x_h = the hidden pixels, x_o = the observed ones.

extension TrainedModel {
  /// The stream of the conditional ELBO's eps; the importance samples use the next one.
  public static let conditionalStream: UInt64 = 1 << 45
  /// S, the draws of the conditional ELBO in vae-eval (as Pyro's CVAE example reports it).
  public static let conditionalELBOSamples = 10

  /// -log p(x_h | x_o) of `count` clean images [N, D] bytes under their inpainting
  /// `conditions` [N, C] (whose mask half says which pixels are hidden), averaged over images.
  ///
  /// q(z | x, c) is the encoder given the clean image and the condition (as in training), p(z | c)
  /// the model's prior (N(0, I) for a standard one, the prior network for a learned one). For a
  /// model without a code (``Prior/none``) both figures are the exact -log p(x_h | z = 0, c). Only
  /// the hidden pixels are scored. The eps come from `seed` on streams of their own, image by image,
  /// so the figures do not depend on the chunking or the thread count.
  public func conditionalNLL(
    clean: ArraySlice<UInt8>, conditions: [Float], count: Int, elboSamples: Int, iwSamples: Int, seed: UInt64
  ) -> ConditionalNLL {
    precondition(elboSamples >= 1 && iwSamples >= 1, "at least one sample each")
    let (d, zSize, c) = (config.model.inputSize, config.model.latent, config.model.condition)
    precondition(c == 2 * d && conditions.count == count * c, "inpainting conditions [count, 2 D]")
    let deterministic = config.model.prior == .none
    let (s, k) = deterministic ? (1, 1) : (elboSamples, iwSamples)
    var elboGenerator = Xoshiro256(seed: seed, stream: Self.conditionalStream)
    var iwGenerator = Xoshiro256(seed: seed, stream: Self.conditionalStream + 1)
    let imagesPerChunk = max(1, Self.importanceRows / max(s, k))
    var (recon, kl, iw) = (0.0, 0.0, 0.0)
    var start = 0
    let base = clean.startIndex
    while start < count {
      let b = min(imagesPerChunk, count - start)
      let x = Self.unit(clean[(base + start * d)..<(base + (start + b) * d)])
      let cond = Array(conditions[start * c..<(start + b) * c])
      let q = deterministic
        ? ([Float](repeating: 0, count: b * zSize), [Float](repeating: 0, count: b * zSize))
        : vae.encode(x, conditions: cond, count: b)
      let p = vae.prior(conditions: cond, count: b)
      // The ELBO: S codes per image from q; KL in closed form.
      var eps = Self.normals(b * s * zSize, &elboGenerator, zero: deterministic)
      let elboLosses = holeLosses(x: x, conditions: cond, images: b, samples: s, mu: q.0, logVar: q.1, eps: eps)
      for i in 0..<b {
        recon += elboLosses[i * s..<(i + 1) * s].reduce(0, +) / Double(s)
        for u in 0..<zSize where !deterministic {
          let at = i * zSize + u
          let (m, lv, mp, lvp) = (Double(q.0[at]), Double(q.1[at]), Double(p.mu[at]), Double(p.logVar[at]))
          kl += 0.5 * (lvp - lv + (exp(lv) + (m - mp) * (m - mp)) / exp(lvp) - 1)
        }
      }
      // The importance-weighted estimate: K codes per image from q.
      eps = Self.normals(b * k * zSize, &iwGenerator, zero: deterministic)
      let iwLosses = holeLosses(x: x, conditions: cond, images: b, samples: k, mu: q.0, logVar: q.1, eps: eps)
      for i in 0..<b {
        var logWeights = [Double](repeating: 0, count: k)
        for j in 0..<k {
          var sum = -iwLosses[i * k + j]
          for u in 0..<zSize where !deterministic {
            let at = i * zSize + u
            let e = Double(eps[(i * k + j) * zSize + u])
            let z = Double(q.0[at]) + exp(0.5 * Double(q.1[at])) * e
            let (mp, lvp) = (Double(p.mu[at]), Double(p.logVar[at]))
            // log N(z; muP, sigmaP^2) - log N(z; mu, sigma^2), z - mu = sigma eps: the 2 pi terms cancel.
            sum += -0.5 * (z - mp) * (z - mp) / exp(lvp) - 0.5 * lvp + 0.5 * e * e + 0.5 * Double(q.1[at])
          }
          logWeights[j] = sum
        }
        iw += Self.logSumExp(logWeights[...]) - log(Double(k))
      }
      start += b
    }
    let n = Double(count)
    return ConditionalNLL(
      elbo: (recon + kl) / n, elboRecon: recon / n, elboKL: kl / n, elboSamples: s, iw: -iw / n, iwSamples: k)
  }

  /// -log p(x_h | z, c) for `samples` codes per image, z = mu + sigma eps (image-major rows).
  func holeLosses(
    x: [Float], conditions: [Float], images b: Int, samples s: Int, mu: [Float], logVar: [Float], eps: [Float]
  ) -> [Double] {
    let (d, zSize, c) = (config.model.inputSize, config.model.latent, config.model.condition)
    let rows = b * s
    var codes = [Float](repeating: 0, count: rows * zSize)
    var rowConditions = [Float](repeating: 0, count: rows * c)
    for r in 0..<rows {
      let i = r / s
      for u in 0..<zSize {
        codes[r * zSize + u] = mu[i * zSize + u] + Foundation.exp(0.5 * logVar[i * zSize + u]) * eps[r * zSize + u]
      }
      for j in 0..<c { rowConditions[r * c + j] = conditions[i * c + j] }
    }
    var losses = [Double](repeating: 0, count: rows)
    x.withUnsafeBufferPointer { x in
      codes.withUnsafeBufferPointer { codes in
        rowConditions.withUnsafeBufferPointer { rowConditions in
          losses.withUnsafeMutableBufferPointer { out in
            guard let x = x.baseAddress, let z = codes.baseAddress, let out = out.baseAddress else { return }
            vae.reconstructionLosses(
              codes: z, conditions: rowConditions.baseAddress, count: rows, target: { x + ($0 / s) * d }, observedOffset: d,
              into: out)
          }
        }
      }
    }
    return losses
  }

  /// `count` standard normals from `generator`, or zeros (drawing nothing) when `zero`.
  static func normals(_ count: Int, _ generator: inout Xoshiro256, zero: Bool) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    if !zero { values.withUnsafeMutableBufferPointer { generator.fillNormal($0) } }
    return values
  }
}
