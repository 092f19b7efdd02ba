import CKernels
import Compute
import Foundation
import Testing
@testable import Models

/// `dv_bernoulli_row` (one row's loss, as the importance-weighted bound scores it) and
/// `VAE.reconstructionLosses`, whose MLP path decodes and scores each thread's rows apart.
@Suite struct ReconstructionLossesTests {
  /// The row loss in Double from the Float logit + bias the kernel forms.
  static func reference(_ logits: [Float], _ bias: [Float]?, _ targets: [Float]) -> (loss: Double, scale: Double) {
    var loss = 0.0, scale = 0.0
    for j in logits.indices {
      let x = Double(logits[j] + (bias?[j] ?? 0))
      loss += max(x, 0) - x * Double(targets[j]) + Foundation.log1p(Foundation.exp(-abs(x)))
      scale += abs(x) + 1
    }
    return (loss, scale)
  }

  /// Every width from 1 to 50 (tails of every length, one to three product groups) and
  /// 784 and 1,000 (more than 16 blocks, so several logs per lane), with and without a
  /// bias, logits up to +-120 (e^-120 is below the exp's clamp). The error is measured
  /// against the sum of |x| + 1 over the row, the size of what the Float terms round.
  @Test func rowLossMatchesADoubleReference() {
    var generator = Xoshiro256(seed: 11)
    var worst = 0.0
    for columns in Array(1...50) + [784, 1000] {
      for withBias in [false, true] {
        var logits = Reference.randomFloats(columns, scale: 12, seed: UInt64(columns))
        logits[0] = withBias ? -120 : 120
        if columns > 3 { logits[columns - 1] = 0 }
        let bias = withBias ? Reference.randomFloats(columns, scale: 1, seed: UInt64(columns) + 99) : nil
        let targets = (0..<columns).map { _ in Float(UInt8(truncatingIfNeeded: generator.next())) / 255 }
        let got = logits.withUnsafeBufferPointer { l in
          targets.withUnsafeBufferPointer { t in
            (bias ?? [0]).withUnsafeBufferPointer { b in
              dv_bernoulli_row(Int32(columns), l.baseAddress, bias == nil ? nil : b.baseAddress, t.baseAddress)
            }
          }
        }
        let (expected, scale) = Self.reference(logits, bias, targets)
        #expect(got.isFinite, "columns \(columns): \(got)")
        worst = max(worst, abs(got - expected) / scale)
      }
    }
    // Measured: 2.5e-8; each Float term rounds to 6e-8 of its size.
    #expect(worst < 2e-7, "worst error relative to sum(|x| + 1): \(worst)")
  }

  @Test func aNaNLogitGivesANaNLoss() {
    for position in [0, 17, 783] {
      var logits = [Float](repeating: 0.5, count: 784)
      logits[position] = .nan
      let targets = [Float](repeating: 0.25, count: 784)
      let loss = dv_bernoulli_row(784, logits, nil, targets)
      #expect(loss.isNaN, "NaN at \(position): \(loss)")
    }
  }

  /// The batch decoder (``VAE/decodeLogits(_:conditions:count:)``, bias added) and the row
  /// scorers, row by row: what reconstructionLosses must give bit for bit at any thread count.
  static func expectedLosses(
    _ vae: VAE, codes: [Float], conditions: [Float]?, targets: [Float], count: Int, observedOffset: Int?
  ) -> [Double] {
    let d = vae.config.inputSize
    let logits = vae.decodeLogits(codes, conditions: conditions, count: count)
    let zeros = [Float](repeating: 0, count: d)
    return (0..<count).map { r in
      logits.withUnsafeBufferPointer { l in
        targets.withUnsafeBufferPointer { t in
          let (row, target) = (l.baseAddress! + r * d, t.baseAddress! + r * d)
          if let observedOffset, let conditions {
            return conditions.withUnsafeBufferPointer { c in
              BernoulliLoss.holeRowLoss(
                logits: row, bias: zeros, targets: target,
                observed: c.baseAddress! + r * vae.config.condition + observedOffset, columns: d)
            }
          }
          return dv_bernoulli_row(Int32(d), row, nil, target)
        }
      }
    }
  }

  /// A VAE with two decoder layers, a cvae whose decoder reads its label, an inpainting
  /// cvae scored on its hidden pixels, and a conv VAE (the batch path), each at 1, 2 and 3
  /// threads over 33 rows in batches of 16: uneven shares, and a last batch of one row, in
  /// which the other threads have nothing to do.
  @Test(arguments: ["mlp", "cvae", "inpaint", "conv"])
  func lossesMatchTheBatchDecoderAtEveryThreadCount(_ kind: String) throws {
    let d = kind == "conv" ? 784 : 30
    let config: VAEConfig
    var observedOffset: Int?
    switch kind {
    case "cvae": config = VAEConfig(inputSize: d, hidden: [24, 16], latent: 3, condition: 4)
    case "inpaint":
      config = VAEConfig(inputSize: d, hidden: [24], latent: 3, condition: 2 * d)
      observedOffset = d
    case "conv": config = VAEConfig(hidden: [], latent: 3, arch: .conv, channels: [4, 8])
    default: config = VAEConfig(inputSize: d, hidden: [24, 16], latent: 3)
    }
    let count = 33
    var generator = Xoshiro256(seed: 5)
    let codes = Reference.randomFloats(count * 3, scale: 2, seed: 1)
    let targets = (0..<(count * d)).map { _ in Float(UInt8(truncatingIfNeeded: generator.next())) / 255 }
    var conditions: [Float]?
    if config.condition > 0 {
      conditions = (0..<(count * config.condition)).map { i in
        kind == "inpaint" && i % config.condition >= d ? Float(i % 3 == 0 ? 1 : 0) : Float(i % 5) / 4
      }
    }
    var expected: [Double]?
    for threads in [1, 2, 3] {
      let vae = try VAE(config: config, maxBatch: 16, seed: 9, parallel: Parallel(threads: threads, gemmKernel: .own))
      let reference = Self.expectedLosses(
        vae, codes: codes, conditions: conditions, targets: targets, count: count, observedOffset: observedOffset)
      if let expected { #expect(reference == expected, "\(kind): the batch decoder at \(threads) threads") }
      expected = expected ?? reference
      var losses = [Double](repeating: .nan, count: count)
      codes.withUnsafeBufferPointer { z in
        targets.withUnsafeBufferPointer { t in
          (conditions ?? [0]).withUnsafeBufferPointer { c in
            vae.reconstructionLosses(
              codes: z.baseAddress!, conditions: conditions == nil ? nil : c.baseAddress, count: count,
              target: { t.baseAddress! + $0 * d }, observedOffset: observedOffset, into: &losses)
          }
        }
      }
      #expect(losses == reference, "\(kind), \(threads) threads: \(zip(losses, reference).filter { $0 != $1 }.prefix(3))")
      #expect(losses.allSatisfy { $0.isFinite && $0 > 0 })
    }
  }
}
