import Compute
import Foundation
import Testing
@testable import Models

@Suite struct ConditionalVAETests {
  /// The conditional loss in Double: encoder on [x, c], decoder on [z, c], mean over the batch.
  static func loss(
    _ p: [Double], _ vae: VAE, x: [Float], c: [Float], t: [Float], batch: Int, beta: Double, eps: [Float]
  ) -> Double {
    let config = vae.config
    let layer = Reference.Layers(p, vae, batch: batch).layer
    func sideBySide(_ a: [Double], _ width: Int) -> [Double] {
      let cw = config.condition
      var out: [Double] = []
      for r in 0..<batch {
        out += a[r * width..<(r + 1) * width]
        for k in 0..<cw { out.append(Double(c[r * cw + k])) }
      }
      return out
    }
    var h = sideBySide(x.doubles, config.inputSize)
    for i in config.hidden.indices { h = layer("encoder.\(i)", h, config.activation) }
    let mu = layer("encoder.mu", h, nil)
    let logVar = layer("encoder.logvar", h, nil)
    var z = [Double](repeating: 0, count: mu.count)
    var kl = 0.0
    for i in mu.indices {
      z[i] = mu[i] + Foundation.exp(0.5 * logVar[i]) * Double(eps[i])
      kl += Reference.kl(mu[i], logVar[i])
    }
    h = sideBySide(z, config.latent)
    for j in config.hidden.indices { h = layer("decoder.\(j)", h, config.activation) }
    let logits = layer("decoder.out", h, nil)
    let recon = zip(logits, t).reduce(0.0) { $0 + Reference.bce($1.0, Double($1.1)) }
    return (recon + beta * kl) / Double(batch)
  }

  /// Every parameter's gradient of the conditional loss against central differences of
  /// the Double model with the same eps. Tolerance 2e-3 relative (floor 1e-3), h = 1e-6.
  @Test(arguments: [Activation.relu, .tanh], [1, 2])
  func conditionalGradientMatchesFiniteDifferences(activation: Activation, threads: Int) throws {
    let config = VAEConfig(inputSize: 10, hidden: [7, 5], latent: 3, activation: activation, condition: 4)
    let batch = 4
    let vae = try VAE(config: config, maxBatch: 6, seed: 5, parallel: Parallel(threads: threads))
    let x = Reference.randomFloats(batch * 10, seed: 1).map { abs($0) }
    let t = Reference.randomFloats(batch * 10, seed: 2).map { abs($0) }
    let c = Reference.randomFloats(batch * 4, seed: 3)
    var generator = Xoshiro256(seed: 99)
    var replay = generator
    let report = vae.computeGradients(input: x, target: t, condition: c, count: batch, beta: 0.7, generator: &generator)
    let analytic = vae.parameters.grads.array.doubles
    var eps = [Float](repeating: 0, count: batch * 3)
    eps.withUnsafeMutableBufferPointer { replay.fillNormal($0) }
    #expect(replay == generator, "the model drew a different number of values than the replay")

    let p = vae.parameters.values.array.doubles
    let f = { (p: [Double]) in Self.loss(p, vae, x: x, c: c, t: t, batch: batch, beta: 0.7, eps: eps) }
    #expect(abs(report.total / f(p) - 1) < 1e-5, "loss expected \(f(p)) seen \(report.total)")
    let indices = vae.parameters.entries.flatMap { $0.offset..<$0.offset + $0.count }
    let numeric = Reference.numericGradient(p, at: indices, f)
    let worst = Reference.worstRelative(indices.map { analytic[$0] }, numeric)
    #expect(worst.error < 2e-3, "\(activation): worst relative error \(worst.error) at parameter \(worst.index)")
  }

  @Test func conditionWidensOnlyTheFirstLayers() throws {
    let layout = Dictionary(uniqueKeysWithValues: VAE.tensorLayout(VAEConfig(inputSize: 10, hidden: [7, 5], latent: 3, condition: 4)).map { ($0.name, $0.shape) })
    #expect(layout["encoder.0.weight"] == [14, 7])
    #expect(layout["encoder.1.weight"] == [7, 5])
    #expect(layout["decoder.0.weight"] == [7, 5])
    #expect(layout["decoder.1.weight"] == [5, 7])
    #expect(layout["decoder.out.weight"] == [7, 10])
  }

  /// decode with a condition equals the Double reference decoder on [z, c]; changing c changes the output.
  @Test func decodeUsesTheCondition() throws {
    let config = VAEConfig(inputSize: 6, hidden: [5], latent: 2, activation: .tanh, condition: 3)
    let vae = try VAE(config: config, maxBatch: 2, seed: 3)
    let codes: [Float] = [0.5, -1, 0.2, 0.3, 1, 1]  // 3 codes, more than maxBatch
    let conditions: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    let seen = vae.decode(codes, conditions: conditions, count: 3)
    let p = vae.parameters.values.array.doubles
    let entries = Dictionary(uniqueKeysWithValues: vae.parameters.entries.map { ($0.name, $0) })
    func t(_ n: String) -> [Double] {
      guard let e = entries[n] else { return [] }
      return Array(p[e.offset..<e.offset + e.count])
    }
    var input: [Double] = []
    for r in 0..<3 {
      for k in 0..<2 { input.append(Double(codes[r * 2 + k])) }
      for k in 0..<3 { input.append(Double(conditions[r * 3 + k])) }
    }
    let h = Reference.linear(input, t("decoder.0.weight"), t("decoder.0.bias"), batch: 3, inputs: 5, outputs: 5, .tanh)
    let logits = Reference.linear(h, t("decoder.out.weight"), t("decoder.out.bias"), batch: 3, inputs: 5, outputs: 6, nil)
    let expected = logits.map { 1 / (1 + Foundation.exp(-$0)) }
    let worst = zip(seen, expected).map { abs(Double($0) - $1) }.max() ?? 1
    #expect(worst < 1e-6, "max |decode - reference| \(worst) (tolerance 1e-6)")
    #expect(Array(seen[0..<6]) != Array(seen[6..<12]) || codes[0] != codes[2])
  }

  /// A condition that changes every epoch, like fresh random masks.
  struct EpochNoise: ConditionSource {
    var width: Int { 5 }
    var count: Int { 50 }
    func write(index: Int, epoch: Int, image: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
      var g = Xoshiro256(seed: UInt64(epoch), stream: UInt64(index))
      for i in 0..<5 { output[i] = g.nextFloat() + Float(image[i]) / 255 }
    }
  }

  @Test(arguments: [1, 2])
  func conditionalResumeIsBitwiseIdentical(threads: Int) throws {
    let model = VAEConfig(inputSize: 64, hidden: [24], latent: 3, dropout: 0.1, condition: 5)
    let images = TrainerTests.bars(50, seed: 1)
    let training = TrainerTests.training(threads: threads)
    func trainer() throws -> Trainer { try Trainer(model: model, training: training, images: images, count: 50, conditions: EpochNoise()) }
    let ((a, stateA), (b, stateB)) = try TrainerTests.straightAndResumed(total: 9, split: 5, trainer)
    #expect(stateA == stateB)
    #expect(a == b, "\(zip(a, b).filter { $0 != $1 }.count) of \(a.count) Floats differ after resuming")
    // The condition matters: a run with other conditions ends elsewhere.
    let plainLabels = try Trainer(
      model: model, training: training, images: images, count: 50,
      conditions: LabelCondition(labels: [UInt8](repeating: 0, count: 50), classes: 5))
    for _ in 0..<9 { plainLabels.step() }
    #expect(TrainerTests.fingerprint(plainLabels).0 != a)
  }

  @Test func conditionsAreCheckedAgainstTheModel() throws {
    let model = VAEConfig(inputSize: 64, hidden: [8], latent: 2, condition: 10)
    let images = TrainerTests.bars(20, seed: 1)
    let training = TrainingConfig(batchSize: 8)
    #expect(throws: ModelError.self) { try Trainer(model: model, training: training, images: images, count: 20) }
    #expect(throws: ModelError.self) {
      try Trainer(model: model, training: training, images: images, count: 20, conditions: LabelCondition(labels: [UInt8](repeating: 1, count: 19)))
    }
    #expect(throws: ModelError.self) {
      try Trainer(model: model, training: training, images: images, count: 20, conditions: LabelCondition(labels: [UInt8](repeating: 1, count: 20), classes: 4))
    }
    let plain = VAEConfig(inputSize: 64, hidden: [8], latent: 2)
    #expect(throws: ModelError.self) {
      try Trainer(model: plain, training: training, images: images, count: 20, conditions: LabelCondition(labels: [UInt8](repeating: 1, count: 20)))
    }
  }

  @Test func oneHotRows() {
    #expect(LabelCondition.oneHot([2, 0], classes: 3) == [0, 0, 1, 1, 0, 0])
  }
}
