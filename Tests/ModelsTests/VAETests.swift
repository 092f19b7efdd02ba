import Compute
import Foundation
import Testing
@testable import Models

@Suite struct VAETests {
  /// The whole VAE loss in Double, from flat Float parameters read by tensor name.
  struct DoubleVAE {
    let config: VAEConfig
    let entries: [String: ParameterSet.Entry]

    init(_ vae: VAE) {
      config = vae.config
      entries = Dictionary(uniqueKeysWithValues: vae.parameters.entries.map { ($0.name, $0) })
    }

    func tensor(_ p: [Double], _ name: String) -> [Double] {
      guard let e = entries[name] else { return [] }
      return Array(p[e.offset..<e.offset + e.count])
    }

    func layer(_ p: [Double], _ name: String, _ x: [Double], _ batch: Int, _ a: Activation?) -> [Double] {
      guard let e = entries[name + ".weight"] else { return [] }
      return Reference.linear(
        x, tensor(p, name + ".weight"), tensor(p, name + ".bias"), batch: batch, inputs: e.shape[0],
        outputs: e.shape[1], a)
    }

    /// Mean over the batch of BCE(decoder(z), t) + beta * KL, with the given masks and eps.
    func loss(
      _ p: [Double], x: [Float], t: [Float], batch: Int, beta: Double, eps: [Float],
      encoderMasks: [[Float]], decoderMasks: [[Float]]
    ) -> Double {
      var h = x.doubles
      for i in config.hidden.indices {
        h = layer(p, "encoder.\(i)", h, batch, config.activation)
        if !encoderMasks.isEmpty { h = zip(h, encoderMasks[i]).map { $0 * Double($1) } }
      }
      let mu = layer(p, "encoder.mu", h, batch, nil)
      let logVar = layer(p, "encoder.logvar", h, batch, nil)
      var z = [Double](repeating: 0, count: mu.count)
      var kl = 0.0
      for i in mu.indices {
        z[i] = mu[i] + Foundation.exp(0.5 * logVar[i]) * Double(eps[i])
        kl += Reference.kl(mu[i], logVar[i])
      }
      h = z
      for j in config.hidden.indices {
        h = layer(p, "decoder.\(j)", h, batch, config.activation)
        if !decoderMasks.isEmpty { h = zip(h, decoderMasks[j]).map { $0 * Double($1) } }
      }
      let logits = layer(p, "decoder.out", h, batch, nil)
      let recon = zip(logits, t).reduce(0.0) { $0 + Reference.bce($1.0, Double($1.1)) }
      return (recon + beta * kl) / Double(batch)
    }
  }

  static let gradientCases: [(Activation, Float)] = [(.relu, 0), (.leakyRelu, 0), (.elu, 0), (.tanh, 0), (.relu, 0.25)]

  /// Every parameter's gradient of the whole loss (denoising: input != target) against
  /// central differences of the Double model with the same eps and dropout masks.
  /// Tolerance 2e-3 relative (floor 1e-3): Float kernels vs Double, h = 1e-6.
  @Test(arguments: gradientCases, [1, 2])
  func wholeLossGradientMatchesFiniteDifferences(testCase: (Activation, Float), threads: Int) throws {
    try checkWholeLossGradient(testCase: testCase, threads: threads, sparse: false)
  }

  /// The same check with inputs mostly zero, so that the first layer's product and weight
  /// gradient take the sparse path (``VAE/sparseDensityLimit``).
  @Test(arguments: gradientCases, [1, 2])
  func sparseInputGradientMatchesFiniteDifferences(testCase: (Activation, Float), threads: Int) throws {
    try checkWholeLossGradient(testCase: testCase, threads: threads, sparse: true)
  }

  func checkWholeLossGradient(testCase: (Activation, Float), threads: Int, sparse: Bool) throws {
    let (activation, dropout) = testCase
    let config = VAEConfig(inputSize: 10, hidden: [7, 5], latent: 3, activation: activation, dropout: dropout)
    let batch = 4
    let vae = try VAE(config: config, maxBatch: 6, seed: 11, parallel: Parallel(threads: threads))
    // Sparse: 3 of each row's 10 inputs non-zero (density 0.3).
    let x = Reference.randomFloats(batch * 10, seed: 1).enumerated().map { sparse && ($0.offset * 7) % 10 >= 3 ? 0 : abs($0.element) }
    let t = Reference.randomFloats(batch * 10, seed: 2).map { abs($0) }
    let beta: Float = 0.8
    var generator = Xoshiro256(seed: 99)
    var replay = generator
    let report = vae.computeGradients(input: x, target: t, count: batch, beta: beta, generator: &generator)
    let analytic = vae.parameters.grads.array.doubles
    #expect(vae.firstLayerWasSparse == sparse, "the first layer's path")

    // Replay the draws in the model's order: encoder masks, eps, decoder masks.
    func masks(_ widths: [Int]) -> [[Float]] {
      guard dropout > 0 else { return [] }
      return widths.map { width in
        var mask = [Float](repeating: 0, count: batch * width)
        Dropout.makeMask(&mask, count: mask.count, rate: dropout, generator: &replay)
        return mask
      }
    }
    let encoderMasks = masks(config.hidden)
    var eps = [Float](repeating: 0, count: batch * 3)
    eps.withUnsafeMutableBufferPointer { replay.fillNormal($0) }
    let decoderMasks = masks(config.hidden.reversed())
    #expect(replay == generator, "the model drew a different number of values than the replay")

    let model = DoubleVAE(vae)
    let p = vae.parameters.values.array.doubles
    let f = { (p: [Double]) in
      model.loss(p, x: x, t: t, batch: batch, beta: Double(beta), eps: eps, encoderMasks: encoderMasks, decoderMasks: decoderMasks)
    }
    #expect(abs(report.total / f(p) - 1) < 1e-5, "loss expected \(f(p)) seen \(report.total)")
    let indices = vae.parameters.entries.flatMap { $0.offset..<$0.offset + $0.count }
    let numeric = Reference.numericGradient(p, at: indices, f)
    let worst = Reference.worstRelative(indices.map { analytic[$0] }, numeric)
    let name = vae.parameters.entries.last { $0.offset <= indices[max(0, worst.index)] }?.name ?? "?"
    #expect(
      worst.error < 2e-3,
      "\(activation) dropout \(dropout): worst relative error \(worst.error) in \(name): analytic \(analytic[indices[max(0, worst.index)]]) numeric \(numeric[max(0, worst.index)])")
  }

  @Test func tensorNamesAndShapes() throws {
    let vae = try VAE(config: VAEConfig(hidden: [512, 256]), maxBatch: 2, seed: 1)
    let layout = vae.parameters.entries.map { "\($0.name) \($0.shape)" }
    #expect(
      layout == [
        "encoder.0.weight [784, 512]", "encoder.0.bias [512]", "encoder.1.weight [512, 256]", "encoder.1.bias [256]",
        "encoder.mu.weight [256, 20]", "encoder.mu.bias [20]", "encoder.logvar.weight [256, 20]",
        "encoder.logvar.bias [20]", "decoder.0.weight [20, 256]", "decoder.0.bias [256]",
        "decoder.1.weight [256, 512]", "decoder.1.bias [512]", "decoder.out.weight [512, 784]",
        "decoder.out.bias [784]",
      ])
    for entry in vae.parameters.entries { #expect(entry.offset % 16 == 0) }
    let last = try #require(vae.parameters.entries.last)
    #expect(vae.parameters.count == last.offset + (last.count + 15) / 16 * 16)
  }

  @Test func inferenceIsConsistentAndMatchesTheReference() throws {
    let config = VAEConfig(inputSize: 12, hidden: [8], latent: 2, activation: .elu)
    let vae = try VAE(config: config, maxBatch: 3, seed: 5)
    let count = 7  // more than maxBatch: three passes
    let x = Reference.randomFloats(count * 12, seed: 3).map { abs($0) }
    let (mu, logVar) = vae.encode(x, count: count)
    #expect(mu.count == count * 2 && logVar.count == count * 2)
    let reconstruction = vae.reconstruct(x, count: count)
    #expect(reconstruction == vae.decode(mu, count: count))
    #expect(reconstruction.allSatisfy { $0 > 0 && $0 < 1 })

    let model = DoubleVAE(vae)
    let p = vae.parameters.values.array.doubles
    let h = model.layer(p, "encoder.0", x.doubles, count, .elu)
    let expectedMu = model.layer(p, "encoder.mu", h, count, nil)
    let expectedLogVar = model.layer(p, "encoder.logvar", h, count, nil)
    let logits = model.layer(p, "decoder.out", model.layer(p, "decoder.0", expectedMu, count, .elu), count, nil)
    let worstMu = zip(mu + logVar, expectedMu + expectedLogVar).map { abs(Double($0) - $1) }.max() ?? 0
    let worstPixel = zip(reconstruction, logits).map { abs(Double($0) - 1 / (1 + Foundation.exp(-$1))) }.max() ?? 0
    let decodedLogits = vae.decodeLogits(mu, count: count)
    let worstLogit = zip(decodedLogits, logits).map { abs(Double($0) - $1) }.max() ?? 0
    let targets = Reference.randomFloats(count * 12, seed: 4).map { abs($0) }
    let losses = vae.reconstructionLoss(codes: mu, targets: targets, count: count)
    var worstLoss = 0.0
    for r in 0..<count {
      let expected = (0..<12).reduce(0.0) { $0 + Reference.bce(logits[r * 12 + $1], Double(targets[r * 12 + $1])) }
      worstLoss = max(worstLoss, abs(losses[r] - expected) / expected)
    }
    // Tolerances: 1e-5 absolute; the loss 1e-5 relative.
    #expect(worstLogit < 1e-5, "logit max difference \(worstLogit)")
    #expect(worstLoss < 1e-5, "reconstruction loss worst relative difference \(worstLoss)")
    #expect(worstMu < 1e-5, "mu/logVar max difference \(worstMu)")
    #expect(worstPixel < 1e-5, "probability max difference \(worstPixel)")
  }

  @Test func evaluateUsesNoDropoutAndTheGivenGenerator() throws {
    let config = VAEConfig(inputSize: 16, hidden: [8], latent: 2, dropout: 0.5)
    let vae = try VAE(config: config, maxBatch: 4, seed: 5)
    let x = Reference.randomFloats(4 * 16, seed: 3).map { abs($0) }
    var a = Xoshiro256(seed: 1)
    var b = Xoshiro256(seed: 1)
    let first = vae.evaluate(input: x, target: x, count: 4, beta: 1, generator: &a)
    let second = vae.evaluate(input: x, target: x, count: 4, beta: 1, generator: &b)
    #expect(first == second)
    // Only eps is drawn (4 x 2 normals = 4 pairs = 8 outputs), no masks.
    var expected = Xoshiro256(seed: 1)
    for _ in 0..<8 { _ = expected.next() }
    #expect(a == expected)
    #expect(abs(first.total - (first.recon + first.kl)) < 1e-9)
  }

  @Test func badConfigurationsAreRejected() {
    let cases: [(VAEConfig, String)] = [
      (VAEConfig(inputSize: 0), "inputSize"), (VAEConfig(hidden: []), "hidden"), (VAEConfig(hidden: [4, 0]), "hidden"),
      (VAEConfig(latent: 0), "latent"), (VAEConfig(dropout: 1), "dropout"), (VAEConfig(dropout: -0.1), "dropout"),
      (VAEConfig(dropout: .nan), "dropout"),
    ]
    for (config, field) in cases {
      do {
        _ = try VAE(config: config, maxBatch: 1, seed: 0)
        Issue.record("\(field): expected a rejection")
      } catch {
        guard case .invalidConfiguration(let seen, _, _) = error else { Issue.record("unexpected \(error)"); continue }
        #expect(seen == field)
        #expect(error.description.contains("expected"))
      }
    }
    #expect(throws: ModelError.invalidConfiguration(field: "maxBatch", value: "0", expected: "at least 1")) {
      try VAE(config: .bench, maxBatch: 0, seed: 0)
    }
  }

  /// Every size a config file can set has a ceiling, checked before anything is allocated
  /// (issue 14): a checkpoint's config of hidden [10^9, 10^9] used to reach the allocator.
  @Test func sizesOverTheirCeilingsAreRefused() {
    let cases: [(VAEConfig, String, String)] = [
      (VAEConfig(inputSize: Int.max), "inputSize", "1...1048576 pixels"),
      (VAEConfig(inputSize: Int.max, arch: .conv), "inputSize", "1...1048576 pixels"),
      (VAEConfig(hidden: [1_000_000_000, 1_000_000_000]), "hidden", "at most 64 layers of at most 65536 units"),
      (VAEConfig(hidden: Array(repeating: 4, count: 65)), "hidden", "at most 64 layers of at most 65536 units"),
      (VAEConfig(latent: Int.max), "latent", "1...65536"),
      (VAEConfig(condition: Int.max), "condition", "0...2097152"),
      (VAEConfig(inputSize: 1 << 20, hidden: [65536]), "model", "at most 100000000 parameters"),
    ]
    for (config, field, expected) in cases {
      #expect(throws: ModelError.self) { try config.validate() }
      do { try config.validate() } catch {
        guard case let .invalidConfiguration(seen, _, said) = error else { Issue.record("unexpected \(error)"); continue }
        #expect(seen == field && said == expected, "\(error)")
      }
    }
    // A long list is cut in the message.
    do { try VAEConfig(hidden: Array(repeating: 4, count: 1000)).validate() } catch {
      #expect(error.description.contains("... (1000 in all)") && error.description.count < 300, "\(error)")
    }
    // Wide models the CLI allows still pass (two layers of 8192 are 160 M parameters: refused).
    #expect(throws: Never.self) { try VAEConfig(hidden: [4096, 4096], latent: 512).validate() }
  }

  /// Found by reading the code for fuzz-json: `imageSide` of an inputSize near Int.max traps ("arithmetic
  /// overflow" in (side + 1)^2) when validate() checks a conv config from a file.
  @Test func imageSideOfAHugeInputSizeDoesNotTrap() {
    #expect(VAEConfig(inputSize: Int.max).imageSide == nil)
    #expect(VAEConfig(inputSize: 784).imageSide == 28)
    #expect(VAEConfig(inputSize: 785).imageSide == nil)
  }

  @Test func trainingAndClassifierSizesHaveCeilings() {
    #expect(throws: ModelError.invalidConfiguration(field: "batchSize", value: "1000000", expected: "1...65536")) {
      try TrainingConfig(batchSize: 1_000_000).validate()
    }
    #expect(throws: ModelError.invalidConfiguration(field: "threads", value: "100000", expected: "1...256")) {
      try TrainingConfig(threads: 100_000).validate()
    }
    var judge = ClassifierConfig()
    judge.hidden = [1 << 40]
    #expect(throws: ModelError.self) { try judge.validate() }
    judge.hidden = [65536, 65536]
    #expect(throws: ModelError.invalidConfiguration(field: "model", value: "4347133962 parameters", expected: "at most 100000000")) {
      try judge.validate()
    }
  }

  @Test func missingBLASKeepsTheInstallHint() {
    let message = ComputeError.blasLibraryNotFound(tried: ["libopenblas.so.0"], reason: "not found").description
    #expect(ModelError.blasUnavailable(message).description.contains("apt-get install libopenblas-dev"))
  }

  @Test func configurationsRoundTripAndDefaultMissingKeys() throws {
    let config = VAEConfig(hidden: [512, 256], latent: 8, activation: .leakyRelu, dropout: 0.1, initialization: .heXavier)
    let data = try JSONEncoder().encode(config)
    #expect(try JSONDecoder().decode(VAEConfig.self, from: data) == config)
    #expect(try JSONDecoder().decode(VAEConfig.self, from: Data("{\"latent\": 2}".utf8)) == VAEConfig(latent: 2))
    let training = TrainingConfig(batchSize: 64, klWarmupEpochs: 2, seed: 9, threads: 2)
    #expect(try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(training)) == training)
    #expect(try JSONDecoder().decode(TrainingConfig.self, from: Data("{}".utf8)) == TrainingConfig())
  }

  @Test func tensorsRoundTripThroughNames() throws {
    let parameters = ParameterSet([("a", [2, 3]), ("b", [5])])
    parameters.values.assign(Reference.randomFloats(parameters.count, seed: 1).enumerated().map { $0.offset < 6 || ($0.offset >= 16 && $0.offset < 21) ? $0.element : 0 })
    let tensors = parameters.tensors(of: parameters.values)
    #expect(tensors.map(\.entry.name) == ["a", "b"])
    #expect(tensors[1].values.count == 5)
    let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.entry.name, $0.values) })
    #expect(try parameters.flatten(byName) == parameters.values.array)
    #expect(throws: ModelError.missingTensor(name: "b")) { try parameters.flatten(["a": byName["a"] ?? []]) }
    #expect(throws: ModelError.sizeMismatch(what: "tensor b [5]", expected: 5, found: 4)) {
      try parameters.flatten(["a": byName["a"] ?? [], "b": [1, 2, 3, 4]])
    }
    #expect(ModelError.missingTensor(name: "b").description.contains("tensor b is missing"))
  }

  @Test func parameterSetRejectsUnknownNamesAndWrongSizes() throws {
    let parameters = ParameterSet([("a", [2, 3])])
    #expect(throws: ModelError.sizeMismatch(what: "tensor a [2, 3]", expected: 6, found: 5)) {
      try parameters.setValue("a", [1, 2, 3, 4, 5])
    }
    #expect(throws: ModelError.self) { try parameters.setValue("b", [1]) }
    try parameters.setValue("a", [1, 2, 3, 4, 5, 6])
    #expect(parameters.value("a") == [1, 2, 3, 4, 5, 6])
    #expect(parameters.value("b") == nil)
  }
}
