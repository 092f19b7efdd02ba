import Compute
import Foundation
import Testing
@testable import Models

@Suite struct ConvolutionalVAETests {
  /// The whole conv VAE loss in Double, from flat parameters read by tensor name, with the
  /// direct convolutions of ``ConvolutionReference`` (no im2col, no GEMM).
  struct DoubleConvVAE {
    let config: VAEConfig
    /// Tensors by name and the dense layers: the MLP reference's.
    let named: VAETests.DoubleVAE

    init(_ vae: VAE) {
      config = vae.config
      named = VAETests.DoubleVAE(vae)
    }

    func tensor(_ p: [Double], _ name: String) -> [Double] { named.tensor(p, name) }

    func dense(_ p: [Double], _ name: String, _ x: [Double], _ batch: Int, _ a: Activation?) -> [Double] {
      named.layer(p, name, x, batch, a)
    }

    func sideBySide(_ a: [Double], _ c: [Float]?, batch: Int) -> [Double] {
      guard let c else { return a }
      let (width, cw) = (a.count / batch, config.condition)
      var out: [Double] = []
      for r in 0..<batch { out += a[r * width..<(r + 1) * width] + c[r * cw..<(r + 1) * cw].map(Double.init) }
      return out
    }

    /// Mean over the batch of BCE(decoder(z, c), t) + beta KL with the given eps and dropout masks
    /// (encoder dense layers, then decoder dense layers and decoder.project).
    func loss(
      _ p: [Double], x: [Float], c: [Float]?, t: [Float], batch: Int, beta: Double, eps: [Float], encoderMasks: [[Float]],
      decoderMasks: [[Float]]
    ) -> Double {
      let (a, side, channels) = (config.activation, config.imageSide ?? 0, config.channels)
      var h = x.doubles
      var (s, ci) = (side, 1)
      for (i, co) in channels.enumerated() {
        h = ConvolutionReference.convolution(
          h, tensor(p, "encoder.conv.\(i).weight"), tensor(p, "encoder.conv.\(i).bias"), batch: batch, side: s, inputs: ci,
          outputs: co, a)
        (s, ci) = (s / 2, co)
      }
      h = sideBySide(h, c, batch: batch)
      for i in config.hidden.indices {
        h = dense(p, "encoder.\(i)", h, batch, a)
        if !encoderMasks.isEmpty { h = zip(h, encoderMasks[i]).map { $0 * Double($1) } }
      }
      let mu = dense(p, "encoder.mu", h, batch, nil)
      let logVar = dense(p, "encoder.logvar", h, batch, nil)
      var z = [Double](repeating: 0, count: mu.count)
      var kl = 0.0
      for i in mu.indices {
        z[i] = mu[i] + Foundation.exp(0.5 * logVar[i]) * Double(eps[i])
        kl += Reference.kl(mu[i], logVar[i])
      }
      h = sideBySide(z, c, batch: batch)
      let names = config.hidden.indices.map { "decoder.\($0)" } + ["decoder.project"]
      for (j, name) in names.enumerated() {
        h = dense(p, name, h, batch, a)
        if !decoderMasks.isEmpty { h = zip(h, decoderMasks[j]).map { $0 * Double($1) } }
      }
      for j in 0..<(channels.count - 1) {
        let (cin, cout) = (channels[channels.count - 1 - j], channels[channels.count - 2 - j])
        h = ConvolutionReference.transposed(
          h, tensor(p, "decoder.deconv.\(j).weight"), tensor(p, "decoder.deconv.\(j).bias"), batch: batch, side: s,
          inputs: cin, outputs: cout, a)
        s *= 2
      }
      let logits = ConvolutionReference.transposed(
        h, tensor(p, "decoder.out.weight"), tensor(p, "decoder.out.bias"), untied: true, batch: batch, side: s,
        inputs: channels[0], outputs: 1, nil)
      let recon = zip(logits, t).reduce(0.0) { $0 + Reference.bce($1.0, Double($1.1)) }
      return (recon + beta * kl) / Double(batch)
    }
  }

  static let cases: [(activation: Activation, hidden: [Int], dropout: Float, condition: Int)] = [
    (.relu, [], 0, 0), (.tanh, [5], 0, 0), (.elu, [6, 4], 0.25, 0), (.tanh, [], 0, 3), (.leakyRelu, [5], 0.25, 3),
  ]

  /// Every parameter's gradient of the whole conv VAE loss (8 x 8 images, channels [2, 3],
  /// denoising: input != target; with and without hidden layers, dropout and a condition)
  /// against central differences of the Double model with the same eps and masks.
  /// Tolerance 2e-3 relative (floor 1e-3): Float kernels vs Double, h = 1e-6.
  @Test(arguments: [0, 1, 2, 3, 4], [1, 2])
  func wholeLossGradientMatchesFiniteDifferences(caseIndex: Int, threads: Int) throws {
    let testCase = Self.cases[caseIndex]
    let config = VAEConfig(
      inputSize: 64, hidden: testCase.hidden, latent: 3, activation: testCase.activation, dropout: testCase.dropout,
      condition: testCase.condition, arch: .conv, channels: [2, 3])
    let batch = 3
    let vae = try VAE(config: config, maxBatch: 4, seed: 11, parallel: Parallel(threads: threads))
    let x = Reference.randomFloats(batch * 64, seed: 1).map { abs($0) }
    let t = Reference.randomFloats(batch * 64, seed: 2).map { abs($0) }
    let c = testCase.condition > 0 ? Reference.randomFloats(batch * testCase.condition, seed: 3) : nil
    let beta: Float = 0.8
    var generator = Xoshiro256(seed: 99)
    var replay = generator
    let report = c.withUnsafeBufferPointerOrNil { c in
      vae.computeGradients(input: x, target: t, condition: c, count: batch, beta: beta, generator: &generator)
    }
    let analytic = vae.parameters.grads.array.doubles

    // Replay the draws in the model's order: encoder masks, eps, decoder masks (project included).
    func masks(_ widths: [Int]) -> [[Float]] {
      guard testCase.dropout > 0 else { return [] }
      return widths.map { width in
        var mask = [Float](repeating: 0, count: batch * width)
        Dropout.makeMask(&mask, count: mask.count, rate: testCase.dropout, generator: &replay)
        return mask
      }
    }
    let encoderMasks = masks(testCase.hidden)
    var eps = [Float](repeating: 0, count: batch * 3)
    eps.withUnsafeMutableBufferPointer { replay.fillNormal($0) }
    let decoderMasks = masks(testCase.hidden.reversed() + [config.features])
    #expect(replay == generator, "the model drew a different number of values than the replay")

    let model = DoubleConvVAE(vae)
    let p = vae.parameters.values.array.doubles
    let f = { (p: [Double]) in
      model.loss(
        p, x: x, c: c, t: t, batch: batch, beta: Double(beta), eps: eps, encoderMasks: encoderMasks, decoderMasks: decoderMasks)
    }
    #expect(abs(report.total / f(p) - 1) < 1e-5, "\(testCase): loss expected \(f(p)) seen \(report.total)")
    let indices = vae.parameters.entries.flatMap { $0.offset..<$0.offset + $0.count }
    let numeric = Reference.numericGradient(p, at: indices, f)
    let worst = Reference.worstRelative(indices.map { analytic[$0] }, numeric)
    let at = indices[max(0, worst.index)]
    let name = vae.parameters.entries.last { $0.offset <= at }?.name ?? "?"
    #expect(
      worst.error < 2e-3,
      "\(testCase): worst relative error \(worst.error) in \(name): analytic \(analytic[at]) numeric \(numeric[max(0, worst.index)])")
  }

  @Test func tensorNamesAndShapes() throws {
    let vae = try VAE(config: VAEConfig(hidden: [100], condition: 10, arch: .conv, channels: [16, 32]), maxBatch: 2, seed: 1)
    let layout = vae.parameters.entries.map { "\($0.name) \($0.shape)" }
    #expect(
      layout == [
        "encoder.conv.0.weight [4, 4, 1, 16]", "encoder.conv.0.bias [16]", "encoder.conv.1.weight [4, 4, 16, 32]",
        "encoder.conv.1.bias [32]", "encoder.0.weight [1578, 100]", "encoder.0.bias [100]",
        "encoder.mu.weight [100, 20]", "encoder.mu.bias [20]", "encoder.logvar.weight [100, 20]", "encoder.logvar.bias [20]",
        "decoder.0.weight [30, 100]", "decoder.0.bias [100]", "decoder.project.weight [100, 1568]",
        "decoder.project.bias [1568]", "decoder.deconv.0.weight [32, 4, 4, 16]", "decoder.deconv.0.bias [16]",
        "decoder.out.weight [16, 4, 4, 1]", "decoder.out.bias [784]",
      ], "seen \(layout)")
    let noHidden = VAE.tensorLayout(VAEConfig(hidden: [], arch: .conv, channels: [8])).map { "\($0.name) \($0.shape)" }
    #expect(
      noHidden == [
        "encoder.conv.0.weight [4, 4, 1, 8]", "encoder.conv.0.bias [8]", "encoder.mu.weight [1568, 20]",
        "encoder.mu.bias [20]", "encoder.logvar.weight [1568, 20]", "encoder.logvar.bias [20]",
        "decoder.project.weight [20, 1568]", "decoder.project.bias [1568]", "decoder.out.weight [8, 4, 4, 1]",
        "decoder.out.bias [784]",
      ], "seen \(noHidden)")
  }

  /// The same seed draws the same weights; fan-in uniform bounds follow PyTorch's Conv2d
  /// (1/sqrt(16 Cin)) and ConvTranspose2d (1/sqrt(16 Cout)) defaults.
  @Test func initialisationIsSeededAndScaledByFanIn() throws {
    let config = VAEConfig(hidden: [], arch: .conv, channels: [4, 8])
    let a = try VAE(config: config, maxBatch: 1, seed: 3)
    let b = try VAE(config: config, maxBatch: 1, seed: 3)
    let other = try VAE(config: config, maxBatch: 1, seed: 4)
    #expect(a.parameters.values.array == b.parameters.values.array)
    #expect(a.parameters.values.array != other.parameters.values.array)
    for (name, bound) in [
      ("encoder.conv.0.weight", 1 / 4.0), ("encoder.conv.1.weight", 1 / 8.0), ("decoder.deconv.0.weight", 1 / 8.0),
      ("decoder.out.weight", 1 / 4.0),
    ] {
      let w = try #require(a.parameters.value(name))
      let largest = Double(w.map { abs($0) }.max() ?? 0)
      // Uniform draws: the largest of 64+ values is close to the bound and never above it.
      #expect(largest <= bound && largest > 0.8 * bound, "\(name): largest |w| \(largest), bound \(bound)")
    }
    let he = try VAE(config: VAEConfig(hidden: [], initialization: .heXavier, arch: .conv, channels: [4, 8]), maxBatch: 1, seed: 3)
    #expect(he.parameters.value("encoder.conv.1.bias")?.allSatisfy { $0 == 0 } == true)
  }

  /// encode, decode, decodeLogits and reconstruct of a conv model against the Double
  /// reference, with more images than maxBatch. Tolerance 1e-5 absolute.
  @Test func inferenceMatchesTheReference() throws {
    let config = VAEConfig(inputSize: 64, hidden: [5], latent: 2, activation: .elu, condition: 2, arch: .conv, channels: [2, 3])
    let vae = try VAE(config: config, maxBatch: 3, seed: 5, parallel: Parallel(threads: 2))
    let count = 7
    let x = Reference.randomFloats(count * 64, seed: 3).map { abs($0) }
    let c = Reference.randomFloats(count * 2, seed: 4)
    let (mu, logVar) = vae.encode(x, conditions: c, count: count)
    let reconstruction = vae.reconstruct(x, conditions: c, count: count)
    #expect(reconstruction == vae.decode(mu, conditions: c, count: count))
    let logits = vae.decodeLogits(mu, conditions: c, count: count)
    let model = DoubleConvVAE(vae)
    let p = vae.parameters.values.array.doubles
    var h = ConvolutionReference.convolution(
      x.doubles, model.tensor(p, "encoder.conv.0.weight"), model.tensor(p, "encoder.conv.0.bias"), batch: count, side: 8,
      inputs: 1, outputs: 2, .elu)
    h = ConvolutionReference.convolution(
      h, model.tensor(p, "encoder.conv.1.weight"), model.tensor(p, "encoder.conv.1.bias"), batch: count, side: 4, inputs: 2,
      outputs: 3, .elu)
    h = model.dense(p, "encoder.0", model.sideBySide(h, c, batch: count), count, .elu)
    let expected = model.dense(p, "encoder.mu", h, count, nil) + model.dense(p, "encoder.logvar", h, count, nil)
    let worstMu = zip(mu + logVar, expected).map { abs(Double($0) - $1) }.max() ?? 1
    #expect(worstMu < 1e-5, "mu/logVar max difference \(worstMu)")
    let worstPixel = zip(reconstruction, logits).map { abs(Double($0) - 1 / (1 + Foundation.exp(-Double($1)))) }.max() ?? 1
    #expect(worstPixel < 1e-5, "decode vs sigmoid(decodeLogits) max difference \(worstPixel)")
    // decodeLogits against the Double decoder: its loss at eps = 0 and target 0 is sum log(1 + e^l).
    let zeros = [Float](repeating: 0, count: 64)
    for r in 0..<count {
      let seen = vae.reconstructionLoss(
        codes: Array(mu[r * 2..<r * 2 + 2]), conditions: Array(c[r * 2..<r * 2 + 2]), targets: zeros, count: 1)[0]
      let fromLogits = logits[r * 64..<(r + 1) * 64].reduce(0.0) { $0 + Reference.bce(Double($1), 0) }
      #expect(abs(seen - fromLogits) < 1e-4 * fromLogits, "image \(r): loss \(seen) vs \(fromLogits)")
    }
    let single = model.loss(
      p, x: Array(x[0..<64]), c: Array(c[0..<2]), t: zeros, batch: 1, beta: 0, eps: [0, 0], encoderMasks: [],
      decoderMasks: [])
    let first = logits[0..<64].reduce(0.0) { $0 + Reference.bce(Double($1), 0) }
    #expect(abs(single / first - 1) < 1e-5, "reference decoder loss \(single) vs ours \(first)")
  }

  @Test func badConvConfigurationsAreRejected() {
    let cases: [(VAEConfig, String)] = [
      (VAEConfig(arch: .conv, channels: []), "channels"), (VAEConfig(arch: .conv, channels: [16, 0]), "channels"),
      (VAEConfig(arch: .conv, channels: [300]), "channels"), (VAEConfig(arch: .conv, channels: [8, 16, 32]), "channels"),
      (VAEConfig(inputSize: 780, arch: .conv), "inputSize"), (VAEConfig(hidden: [0], arch: .conv), "hidden"),
      (VAEConfig(latent: 0, arch: .conv), "latent"), (VAEConfig(hidden: [], arch: .mlp), "hidden"),
    ]
    for (config, field) in cases {
      do {
        _ = try VAE(config: config, maxBatch: 1, seed: 0)
        Issue.record("\(field): expected a rejection of \(config)")
      } catch {
        guard case .invalidConfiguration(let seen, _, _) = error else { Issue.record("unexpected \(error)"); continue }
        #expect(seen == field, "\(error)")
      }
    }
    #expect(
      VAEConfig(arch: .conv, channels: [8, 16, 32]).validateMessage?.contains("28 x 28 images allow 2 convolutions at most") == true)
    // Allowed: no hidden layers, one convolution, 3 on a 32 x 32 image.
    for config in [
      VAEConfig(hidden: [], arch: .conv), VAEConfig(arch: .conv, channels: [4]),
      VAEConfig(inputSize: 1024, arch: .conv, channels: [2, 2, 2]),
    ] {
      #expect(throws: Never.self) { try config.validate() }
    }
  }

  /// Steps of a conv trainer (dropout, warm-up, a partial last batch) against 3 steps, a
  /// snapshot restored into a fresh trainer and 4 more: the same bits.
  @Test(arguments: [1, 2])
  func resumingIsBitwiseIdentical(threads: Int) throws {
    let model = VAEConfig(inputSize: 64, hidden: [12], latent: 3, dropout: 0.1, arch: .conv, channels: [3, 4])
    let images = TrainerTests.bars(50, seed: 1)
    let training = TrainerTests.training(threads: threads)
    func trainer() throws -> Trainer { try Trainer(model: model, training: training, images: images, count: 50) }
    let ((a, stateA), (b, stateB)) = try TrainerTests.straightAndResumed(total: 7, split: 3, trainer)
    #expect(stateA == stateB)
    #expect(a == b, "\(zip(a, b).filter { $0 != $1 }.count) of \(a.count) Floats differ after resuming")
    let again = try trainer()
    for _ in 0..<7 { again.step() }
    #expect(TrainerTests.fingerprint(again).0 == a, "a repeated run differs")
  }

  /// A conv model learns: the loss on the bars falls over a few epochs.
  @Test func trainingLowersTheLoss() throws {
    let model = VAEConfig(inputSize: 64, hidden: [], latent: 2, arch: .conv, channels: [4, 8])
    let images = TrainerTests.bars(64, seed: 2)
    let trainer = try Trainer(model: model, training: TrainerTests.training(threads: 2), images: images, count: 64)
    let before = try trainer.evaluate(images: images, count: 64).total
    for _ in 0..<60 { trainer.step() }
    let after = try trainer.evaluate(images: images, count: 64).total
    #expect(after < 0.9 * before, "loss \(before) -> \(after)")
  }
}

extension VAEConfig {
  /// The validation error's description, or nil when the config is valid.
  fileprivate var validateMessage: String? {
    do {
      try validate()
      return nil
    } catch { return error.description }
  }
}

extension Optional where Wrapped == [Float] {
  /// Calls `body` with the array's first element, or nil when there is no array.
  fileprivate func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let self else { return body(nil) }
    return self.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}
