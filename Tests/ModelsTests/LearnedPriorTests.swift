import Compute
import Foundation
import Testing
@testable import Models

/// The learned prior p(z | c) of Sohn et al. (2015): the KL between two diagonal Gaussians,
/// gradients through the prior network (with the hole-only loss and the GSNN term), the
/// deterministic `none` prior, and bitwise resume.
@Suite struct LearnedPriorTests {
  /// KL(N(mu, e^lv) || N(mp, e^lvp)) per element, from the textbook formula in Double.
  static func kl(_ mu: Double, _ lv: Double, _ mp: Double, _ lvp: Double) -> Double {
    0.5 * (lvp - lv + (Foundation.exp(lv) + (mu - mp) * (mu - mp)) / Foundation.exp(lvp) - 1)
  }

  static func twoGaussianKL(_ mu: [Float], _ lv: [Float], _ mp: [Float], _ lvp: [Float]) -> (kl: Double, z: [Float]) {
    let n = mu.count
    let eps = [Float](repeating: 0.5, count: n)
    var sigma = [Float](repeating: 0, count: n), z = [Float](repeating: 0, count: n)
    let kl = GaussianKL.forward(mu: mu, logVar: lv, muP: mp, logVarP: lvp, eps: eps, sigma: &sigma, z: &z, count: n)
    return (kl, z)
  }

  /// Values worked by hand: q = N(1, 1), p = N(0, 4): 1/2 (log 4 - 0 + (1 + 1) / 4 - 1) = 0.4431472;
  /// q = p gives 0; p = N(0, 1) gives the standard KL of the same q; z = mu + sigma eps.
  @Test func klMatchesHandComputation() {
    let log4 = Float(Foundation.log(4.0))
    let (a, z) = Self.twoGaussianKL([1], [0], [0], [log4])
    #expect(abs(a - 0.4431472) < 1e-6, "expected 0.4431472 seen \(a) (tolerance 1e-6)")
    #expect(abs(z[0] - 1.5) < 1e-6, "z = 1 + 1 * 0.5, seen \(z[0])")
    #expect(abs(Self.twoGaussianKL([0.3, -2], [0.4, -1], [0.3, -2], [0.4, -1]).kl) < 1e-6)
    // 11 elements: a full vector of 8 and a tail of 3.
    let mu = Reference.randomFloats(11, seed: 1), lv = Reference.randomFloats(11, seed: 2)
    let zeros = [Float](repeating: 0, count: 11)
    let standard = (0..<11).reduce(0.0) { $0 + Reference.kl(Double(mu[$1]), Double(lv[$1])) }
    let seen = Self.twoGaussianKL(mu, lv, zeros, zeros).kl
    #expect(abs(seen - standard) < 1e-5, "against N(0, I): expected \(standard) seen \(seen)")
  }

  /// d KL / d(mu, logVar, muP, logVarP) from GaussianKL.backward (dz = 0, weight 0.7) against
  /// central differences of the Double formula, 11 elements; tolerance 1e-4 relative (floor 1e-3).
  @Test func klGradientsMatchFiniteDifferences() {
    let n = 11
    let inputs = (1...4).map { Reference.randomFloats(n, scale: 1.5, seed: UInt64($0)) }
    let (mu, lv, mp, lvp) = (inputs[0], inputs[1], inputs[2], inputs[3])
    let eps = Reference.randomFloats(n, seed: 9)
    var sigma = [Float](repeating: 0, count: n), z = sigma
    _ = GaussianKL.forward(mu: mu, logVar: lv, muP: mp, logVarP: lvp, eps: eps, sigma: &sigma, z: &z, count: n)
    var (dmu, dlv, dmp, dlvp) = (sigma, sigma, sigma, sigma)
    GaussianKL.backward(
      mu: mu, muP: mp, logVarP: lvp, eps: eps, sigma: sigma, dz: nil, klWeight: 0.7, dmu: &dmu, dlogVar: &dlv,
      dmuP: &dmp, dlogVarP: &dlvp, count: n)
    let grads = [dmu, dlv, dmp, dlvp]
    let flat = (mu + lv + mp + lvp).doubles
    let f = { (p: [Double]) in
      0.7 * (0..<n).reduce(0.0) { $0 + Self.kl(p[$1], p[n + $1], p[2 * n + $1], p[3 * n + $1]) }
    }
    let numeric = Reference.numericGradient(flat, at: Array(0..<4 * n), f)
    let worst = Reference.worstRelative(grads.flatMap { $0 }.doubles, numeric)
    #expect(worst.error < 1e-4, "worst relative error \(worst.error) at input \(worst.index)")
  }

  /// The loss of a learned-prior inpainting-style model in Double: encoder on [x, c], prior
  /// network on c, z = mu + sigma eps, decoder on [z, c]; the reconstruction over the hidden
  /// pixels (c's second half is the mask) when `hole`; with alpha > 0 the GSNN term decodes
  /// z_p = muP + sigmaP epsP. Mean over the batch.
  static func loss(
    _ p: [Double], _ vae: VAE, x: [Float], c: [Float], batch: Int, beta: Double, alpha: Double, hole: Bool,
    eps: [Float], epsP: [Float]
  ) -> Double {
    let readsCondition = vae.config.decoderReadsCondition
    let config = vae.config
    let (d, cw) = (config.inputSize, config.condition)
    let layer = Reference.Layers(p, vae, batch: batch).layer
    func withCondition(_ a: [Double], _ width: Int) -> [Double] {
      var out: [Double] = []
      for r in 0..<batch {
        out += a[r * width..<(r + 1) * width]
        for k in 0..<cw { out.append(Double(c[r * cw + k])) }
      }
      return out
    }
    func recon(_ z: [Double]) -> Double {
      var h = readsCondition ? withCondition(z, config.latent) : z
      for j in config.hidden.indices { h = layer("decoder.\(j)", h, config.activation) }
      let logits = layer("decoder.out", h, nil)
      var sum = 0.0
      for r in 0..<batch {
        for k in 0..<d where !hole || c[r * cw + d + k] == 0 { sum += Reference.bce(logits[r * d + k], Double(x[r * d + k])) }
      }
      return sum
    }
    var h = withCondition(x.doubles, d)
    for i in config.hidden.indices { h = layer("encoder.\(i)", h, config.activation) }
    let (mu, logVar) = (layer("encoder.mu", h, nil), layer("encoder.logvar", h, nil))
    var hp = c.doubles
    for i in config.priorHidden.indices { hp = layer("prior.\(i)", hp, config.activation) }
    let (muP, logVarP) = (layer("prior.mu", hp, nil), layer("prior.logvar", hp, nil))
    var (z, zP, kl) = ([Double](repeating: 0, count: mu.count), [Double](repeating: 0, count: mu.count), 0.0)
    for i in mu.indices {
      z[i] = mu[i] + Foundation.exp(0.5 * logVar[i]) * Double(eps[i])
      zP[i] = muP[i] + Foundation.exp(0.5 * logVarP[i]) * Double(epsP[i])
      kl += Self.kl(mu[i], logVar[i], muP[i], logVarP[i])
    }
    let elbo = recon(z) + beta * kl
    return ((1 - alpha) * elbo + (alpha > 0 ? alpha * recon(zP) : 0)) / Double(batch)
  }

  /// Conditions [x * m, m] of `batch` images of `d` pixels with random masks (1 observed).
  static func maskedConditions(_ x: [Float], batch: Int, d: Int) -> [Float] {
    var g = Xoshiro256(seed: 17)
    var out: [Float] = []
    for r in 0..<batch {
      let m: [Float] = (0..<d).map { _ in Float(g.nextInt(below: 2)) }
      for k in 0..<d { out.append(x[r * d + k] * m[k]) }
      out += m
    }
    return out
  }

  /// Every parameter's gradient (encoder, decoder and the prior network) against central
  /// differences of the Double model with the same eps, for the ELBO and the GSNN mixture,
  /// over the whole image and the hole only, with the decoder reading [z, c] or z alone. Tolerance 2e-3 relative (floor 1e-3), h = 1e-6.
  @Test(arguments: [(0.0, false, true), (0.0, true, true), (0.3, true, true), (0.3, true, false)], [1, 2])
  func gradientThroughThePriorNetwork(_ setting: (alpha: Double, hole: Bool, readsCondition: Bool), threads: Int) throws {
    let (d, batch, zSize) = (6, 4, 3)
    let config = VAEConfig(
      inputSize: d, hidden: [7, 5], latent: zSize, activation: .tanh, condition: 2 * d, prior: .learned,
      decoderReadsCondition: setting.readsCondition)
    let vae = try VAE(config: config, maxBatch: 6, seed: 5, parallel: Parallel(threads: threads))
    let x = Reference.randomFloats(batch * d, seed: 1).map { abs($0) }
    let c = Self.maskedConditions(x, batch: batch, d: d)
    var generator = Xoshiro256(seed: 99)
    var replay = generator
    let report = c.withUnsafeBufferPointer { cb in
      vae.computeGradients(
        input: x, target: x, condition: cb.baseAddress, observed: setting.hole ? cb.baseAddress! + d : nil, count: batch,
        beta: 0.7, gsnn: Float(setting.alpha), generator: &generator)
    }
    let analytic = vae.parameters.grads.array.doubles
    var eps = [Float](repeating: 0, count: batch * zSize), epsP = eps
    eps.withUnsafeMutableBufferPointer { replay.fillNormal($0) }
    if setting.alpha > 0 { epsP.withUnsafeMutableBufferPointer { replay.fillNormal($0) } }
    #expect(replay == generator, "the model drew a different number of values than the replay")
    let p = vae.parameters.values.array.doubles
    let f = { (p: [Double]) in
      Self.loss(p, vae, x: x, c: c, batch: batch, beta: 0.7, alpha: setting.alpha, hole: setting.hole, eps: eps, epsP: epsP)
    }
    #expect(abs(report.total / f(p) - 1) < 1e-5, "loss expected \(f(p)) seen \(report.total)")
    #expect(vae.parameters.entries.contains { $0.name == "prior.logvar.weight" })
    let indices = vae.parameters.entries.flatMap { $0.offset..<$0.offset + $0.count }
    let numeric = Reference.numericGradient(p, at: indices, f)
    let worst = Reference.worstRelative(indices.map { analytic[$0] }, numeric)
    #expect(worst.error < 2e-3, "\(setting): worst relative error \(worst.error) at \(worst.index)")
  }

  /// The prior network's tensors come after every other one, so a standard model's layout
  /// and initial weights are a prefix of a learned one's.
  @Test func priorTensorsComeLast() throws {
    let standard = VAEConfig(inputSize: 10, hidden: [7], latent: 3, condition: 20)
    var learned = standard
    learned.prior = .learned
    let names = VAE.tensorLayout(learned).map(\.name)
    #expect(Array(names.suffix(6)) == ["prior.0.weight", "prior.0.bias", "prior.mu.weight", "prior.mu.bias", "prior.logvar.weight", "prior.logvar.bias"])
    #expect(VAE.tensorLayout(learned).first { $0.name == "prior.0.weight" }?.shape == [20, 7])
    let a = try VAE(config: standard, maxBatch: 2, seed: 3).parameters.values.array
    let b = try VAE(config: learned, maxBatch: 2, seed: 3).parameters.values.array
    #expect(Array(b.prefix(a.count)) == a)
    #expect(throws: ModelError.self) { try VAEConfig(inputSize: 10, hidden: [7], latent: 3, prior: .learned).validate() }
  }

  /// prior none: the decoder reads z = 0, the KL is 0 and the encoder gets no gradient.
  @Test func noPriorIsADeterministicRegressor() throws {
    let d = 6
    let config = VAEConfig(inputSize: d, hidden: [5], latent: 2, condition: 2 * d, prior: .none)
    let vae = try VAE(config: config, maxBatch: 4, seed: 2)
    let x = Reference.randomFloats(3 * d, seed: 1).map { abs($0) }
    let c = Self.maskedConditions(x, batch: 3, d: d)
    var generator = Xoshiro256(seed: 1)
    let before = generator
    let report = vae.computeGradients(input: x, target: x, condition: c, count: 3, beta: 1, generator: &generator)
    #expect(report.kl == 0)
    #expect(generator == before, "no eps is drawn")
    let logits = vae.decodeLogits([Float](repeating: 0, count: 6), conditions: c, count: 3)
    let expected = zip(logits, x).reduce(0.0) { $0 + Reference.bce(Double($1.0), Double($1.1)) } / 3
    #expect(abs(report.recon - expected) < 1e-4, "expected \(expected) seen \(report.recon)")
    let prior = vae.prior(conditions: c, count: 3)
    #expect(prior.mu.allSatisfy { $0 == 0 } && prior.logVar.allSatisfy { $0 == -.infinity }, "a point mass at z = 0")
    for e in vae.parameters.entries where e.name.hasPrefix("encoder.") {
      #expect(vae.parameters.grads.array[e.offset..<e.offset + e.count].allSatisfy { $0 == 0 }, "\(e.name)")
    }
  }

  /// Random masks every epoch, with the mask in the condition's second half.
  struct EpochMasks: ConditionSource {
    var width: Int { 128 }
    var count: Int { 50 }
    var observedOffset: Int? { 64 }
    func write(index: Int, epoch: Int, image: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
      var g = Xoshiro256(seed: UInt64(epoch), stream: UInt64(index))
      for i in 0..<64 {
        let m: Float = g.nextInt(below: 3) == 0 ? 0 : 1
        output[i] = Float(image[i]) / 255 * m
        output[64 + i] = m
      }
    }
  }

  @Test(arguments: [1, 2])
  func learnedPriorResumeIsBitwiseIdentical(threads: Int) throws {
    let model = VAEConfig(inputSize: 64, hidden: [24], latent: 3, dropout: 0.1, condition: 128, prior: .learned)
    let images = TrainerTests.bars(50, seed: 1)
    var training = TrainerTests.training(threads: threads)
    training.loss = .hole
    training.gsnn = 0.25
    func trainer() throws -> Trainer { try Trainer(model: model, training: training, images: images, count: 50, conditions: EpochMasks()) }
    let ((a, stateA), (b, stateB)) = try TrainerTests.straightAndResumed(total: 9, split: 5, trainer)
    #expect(stateA == stateB)
    #expect(a == b, "\(zip(a, b).filter { $0 != $1 }.count) of \(a.count) Floats differ after resuming")
    // A hole loss needs a condition that marks the hole; GSNN needs a learned prior.
    var plain = model
    plain.prior = .standard
    #expect(throws: ModelError.self) {
      try Trainer(model: plain, training: training, images: images, count: 50, conditions: EpochMasks())
    }
    #expect(throws: ModelError.self) {
      try Trainer(
        model: VAEConfig(inputSize: 64, hidden: [8], latent: 2, condition: 10), training: training, images: images, count: 50,
        conditions: LabelCondition(labels: [UInt8](repeating: 1, count: 50)))
    }
  }

  /// A conv model takes the same prior network (from the condition; 400 wide, since its own
  /// dense layers are none): it trains and resumes bitwise like the MLP.
  @Test func convModelsTakeTheLearnedPriorToo() throws {
    let model = VAEConfig(inputSize: 64, hidden: [], latent: 3, condition: 128, arch: .conv, channels: [2, 4], prior: .learned)
    #expect(VAE.tensorLayout(model).first { $0.name == "prior.0.weight" }?.shape == [128, 400])
    var training = TrainerTests.training(threads: 2)
    training.loss = .hole
    training.gsnn = 0.2
    let images = TrainerTests.bars(50, seed: 3)
    func trainer() throws -> Trainer { try Trainer(model: model, training: training, images: images, count: 50, conditions: EpochMasks()) }
    let ((a, stateA), (b, stateB)) = try TrainerTests.straightAndResumed(total: 7, split: 4, trainer)
    #expect(stateA == stateB && a == b, "conv: \(zip(a, b).filter { $0 != $1 }.count) Floats differ after resuming")
  }

  /// Old configs (no prior, loss or gsnn key) read as standard / image / 0 and are written back without them.
  @Test func configsWithoutTheNewKeysKeepTheirMeaningAndBytes() throws {
    let old = #"{"inputSize":10,"hidden":[7],"latent":3,"activation":"relu","dropout":0,"initialization":"fanInUniform","condition":0,"arch":"mlp","channels":[8,32]}"#
    let config = try JSONDecoder().decode(VAEConfig.self, from: Data(old.utf8))
    #expect(config.prior == .standard)
    let written = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
    #expect(!written.contains("prior"))
    let training = try JSONDecoder().decode(TrainingConfig.self, from: Data("{}".utf8))
    #expect(training.loss == .image && training.gsnn == 0)
    #expect(!String(decoding: try JSONEncoder().encode(training), as: UTF8.self).contains("gsnn"))
    var learned = config
    learned.prior = .learned
    #expect(try JSONDecoder().decode(VAEConfig.self, from: JSONEncoder().encode(learned)).prior == .learned)
  }
}
