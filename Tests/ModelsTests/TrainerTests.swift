import Compute
import Foundation
import Testing
@testable import Models

@Suite struct TrainerTests {
  static let model = VAEConfig(inputSize: 64, hidden: [24], latent: 3, dropout: 0.1)

  /// `count` 8x8 images: a bright horizontal or vertical bar at a random place on a dim noisy field.
  static func bars(_ count: Int, seed: UInt64) -> [UInt8] {
    var g = Xoshiro256(seed: seed)
    var images = [UInt8](repeating: 0, count: count * 64)
    for n in 0..<count {
      let vertical = g.nextInt(below: 2) == 1
      let at = g.nextInt(below: 8)
      for y in 0..<8 {
        for x in 0..<8 {
          let on = vertical ? x == at : y == at
          images[n * 64 + y * 8 + x] = on ? UInt8(200 + g.nextInt(below: 56)) : UInt8(g.nextInt(below: 30))
        }
      }
    }
    return images
  }

  static func training(threads: Int, batch: Int = 16) -> TrainingConfig {
    TrainingConfig(batchSize: batch, learningRate: 3e-3, klWarmupEpochs: 1.5, seed: 21, threads: threads)
  }

  /// Every bit a run depends on: parameters, Adam's moments and the state.
  static func fingerprint(_ trainer: Trainer) -> ([UInt32], TrainingState) {
    let floats = trainer.parameters.values.array + trainer.optimizer.m.array + trainer.optimizer.v.array
    return (floats.map(\.bitPattern), trainer.state)
  }

  /// Fingerprints of a trainer from `make` run `total` steps straight, and of one stopped after
  /// `split` steps whose state, weights and moments are restored into a fresh trainer that runs on to `total`.
  static func straightAndResumed(
    total: Int, split: Int, _ make: () throws -> Trainer
  ) throws -> (straight: ([UInt32], TrainingState), resumed: ([UInt32], TrainingState)) {
    let straight = try make()
    for _ in 0..<total { straight.step() }
    let first = try make()
    for _ in 0..<split { first.step() }
    let resumed = try make()
    try resumed.restore(
      state: first.state, parameters: first.parameters.values.array, adamM: first.optimizer.m.array,
      adamV: first.optimizer.v.array)
    for _ in split..<total { resumed.step() }
    return (fingerprint(straight), fingerprint(resumed))
  }

  @Test func ownGEMMMakesTheThreadCountChangeNoBit() throws {
    // The bench model at batch 128: its large products are split across two threads
    // (each element of C still one dv_gemm chain over the whole k); every other kernel
    // splits by rules that do not depend on the thread count. Dropout and a KL warm-up on.
    // (OpenBLAS's SkylakeX kernels happened to give the same bits at 1 and 2 threads at
    // these shapes too, measured over 2 MNIST epochs, but nothing promises that.)
    var g = Xoshiro256(seed: 5)
    let count = 300
    let images = (0..<(count * 784)).map { _ in g.nextInt(below: 3) == 0 ? UInt8(g.nextInt(below: 256)) : 0 }
    let model = VAEConfig(inputSize: 784, hidden: [400], latent: 20, dropout: 0.1)
    #expect(!Parallel.isSmallGEMM(m: 128, n: 784, k: 400))
    var prints: [([UInt32], TrainingState)] = []
    for threads in [1, 2] {
      let training = TrainingConfig(batchSize: 128, learningRate: 1e-3, klWarmupEpochs: 1.5, seed: 3, threads: threads)
      let trainer = try Trainer(model: model, training: training, images: images, count: count, gemmKernel: .own)
      for _ in 0..<4 { trainer.step() }  // 3 steps per epoch (the last of 44 images), into the second epoch
      prints.append(Self.fingerprint(trainer))
    }
    let differing = zip(prints[0].0, prints[1].0).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(prints[0].0.count) floats differ between 1 and 2 threads")
    #expect(prints[0].1 == prints[1].1)
  }

  @Test(arguments: [1, 2])
  func resumingIsBitwiseIdentical(threads: Int) throws {
    let images = Self.bars(50, seed: 1)  // 50 images, batch 16: 4 steps per epoch, the last of 2 images
    let straight = try Trainer(model: Self.model, training: Self.training(threads: threads), images: images, count: 50)
    for _ in 0..<7 { straight.step() }

    let first = try Trainer(model: Self.model, training: Self.training(threads: threads), images: images, count: 50)
    for _ in 0..<3 { first.step() }
    // Save as a checkpoint would: named tensors of parameters and moments, and the state.
    func named(_ buffer: FloatBuffer) -> [String: [Float]] {
      Dictionary(uniqueKeysWithValues: first.parameters.tensors(of: buffer).map { ($0.entry.name, $0.values) })
    }
    let saved = (
      state: first.state, parameters: named(first.parameters.values), m: named(first.optimizer.m),
      v: named(first.optimizer.v)
    )
    // A fresh trainer (its own initial weights and generator) takes over the saved run.
    let resumed = try Trainer(model: Self.model, training: Self.training(threads: threads), images: images, count: 50)
    let layout = resumed.parameters
    try resumed.restore(
      state: saved.state, parameters: layout.flatten(saved.parameters), adamM: layout.flatten(saved.m),
      adamV: layout.flatten(saved.v))
    for _ in 0..<4 { resumed.step() }

    let (a, stateA) = Self.fingerprint(straight)
    let (b, stateB) = Self.fingerprint(resumed)
    #expect(stateA == stateB)
    #expect(stateA.epoch == 1 && stateA.stepInEpoch == 3 && stateA.globalStep == 7)
    let differing = zip(a, b).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(a.count) Floats differ")
  }

  /// Images mostly of zeros (a bar on a black field), so that the first layer runs sparse.
  static func blackBars(_ count: Int, seed: UInt64) -> [UInt8] {
    bars(count, seed: seed).map { $0 >= 200 ? $0 : 0 }
  }

  /// The resume test on inputs the first layer takes the sparse path for (density 1/8).
  @Test(arguments: [1, 2])
  func resumingOnSparseInputsIsBitwiseIdentical(threads: Int) throws {
    let images = Self.blackBars(50, seed: 1)
    let make = { try Trainer(model: Self.model, training: Self.training(threads: threads), images: images, count: 50) }
    let probe = try make()
    probe.step()
    #expect(probe.model.firstLayerWasSparse, "the bars on black should have taken the sparse path")
    let (straight, resumed) = try Self.straightAndResumed(total: 7, split: 3, make)
    #expect(straight.1 == resumed.1)
    let differing = zip(straight.0, resumed.0).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(straight.0.count) Floats differ")
  }

  @Test(arguments: [1, 2])
  func repeatedRunsAreBitwiseIdentical(threads: Int) throws {
    let images = Self.bars(40, seed: 2)
    var prints: [[UInt32]] = []
    for _ in 0..<2 {
      let trainer = try Trainer(model: Self.model, training: Self.training(threads: threads), images: images, count: 40)
      for _ in 0..<6 { trainer.step() }
      prints.append(Self.fingerprint(trainer).0)
    }
    #expect(prints[0] == prints[1])
  }

  @Test func lossFallsOnSyntheticData() throws {
    let images = Self.bars(256, seed: 3)
    let model = VAEConfig(inputSize: 64, hidden: [32], latent: 2)
    let trainer = try Trainer(model: model, training: Self.training(threads: 1, batch: 32), images: images, count: 256)
    let before = try trainer.evaluate(images: images, count: 256)
    for _ in 0..<(30 * trainer.stepsPerEpoch) { trainer.step() }
    let after = try trainer.evaluate(images: images, count: 256)
    #expect(trainer.epoch == 30)
    // The untrained loss is about 64 ln 2 = 44 nats; the noisy background keeps the
    // floor near 16 nats (its entropy); 30 epochs reach about 27.
    #expect(after.total < 0.7 * before.total, "loss before \(before.total) after \(after.total)")
    #expect(after.kl > 0.5, "the latent should be used: KL \(after.kl)")
  }

  @Test func epochsRollOverAfterAPartialBatch() throws {
    let trainer = try Trainer(model: Self.model, training: Self.training(threads: 1), images: Self.bars(50, seed: 4), count: 50)
    #expect(trainer.stepsPerEpoch == 4)
    #expect(trainer.isAtEpochEnd && trainer.epoch == 0)
    var ends: [Bool] = []
    for _ in 0..<8 {
      trainer.step()
      ends.append(trainer.isAtEpochEnd)
    }
    #expect(ends == [false, false, false, true, false, false, false, true])
    #expect(trainer.epoch == 2 && trainer.globalStep == 8 && trainer.optimizer.step == 8)
  }

  @Test func klWeightRampsOverTheWarmUp() throws {
    let trainer = try Trainer(model: Self.model, training: Self.training(threads: 1), images: Self.bars(64, seed: 4), count: 64)
    // 4 steps per epoch, warm-up 1.5 epochs: beta = progress / 1.5.
    var betas: [Float] = []
    for _ in 0..<8 {
      betas.append(trainer.currentBeta)
      trainer.step()
    }
    let expected: [Float] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75].map { min(1, $0 / 1.5) }
    for (seen, wanted) in zip(betas, expected) { #expect(abs(seen - wanted) < 1e-6, "beta expected \(wanted) seen \(seen)") }
  }

  @Test func nonFiniteStepsLeaveTheParametersAlone() throws {
    let trainer = try Trainer(model: Self.model, training: Self.training(threads: 1), images: Self.bars(32, seed: 5), count: 32)
    trainer.step()
    var bias = try #require(trainer.parameters.value("decoder.out.bias"))
    bias[3] = .infinity
    try trainer.parameters.setValue("decoder.out.bias", bias)
    let before = trainer.parameters.values.array.map(\.bitPattern)
    let adamStep = trainer.optimizer.step
    let report = trainer.step()
    #expect(!report.isFinite, "report \(report)")
    #expect(trainer.parameters.values.array.map(\.bitPattern) == before)
    #expect(trainer.optimizer.step == adamStep)
    #expect(trainer.globalStep == 2)
  }

  @Test func evaluationIsReproducibleAndSupportsSeparateTargets() throws {
    let images = Self.bars(40, seed: 6)
    let noisy = images.map { $0 &+ 17 }
    let trainer = try Trainer(model: Self.model, training: Self.training(threads: 2), images: noisy, targets: images, count: 40)
    trainer.step()
    let a = try trainer.evaluate(images: noisy, targets: images, count: 40)
    let b = try trainer.evaluate(images: noisy, targets: images, count: 40)
    #expect(a == b)
    let plain = try trainer.evaluate(images: images, count: 40)
    #expect(plain != a)
    #expect(throws: ModelError.sizeMismatch(what: "evaluation images [3, 64]", expected: 192, found: 191)) {
      try trainer.evaluate(images: Array(images.prefix(191)), count: 3)
    }
    #expect(throws: ModelError.sizeMismatch(what: "evaluation targets [2, 64]", expected: 128, found: 64)) {
      try trainer.evaluate(images: Array(images.prefix(128)), targets: Array(images.prefix(64)), count: 2)
    }
    #expect(throws: ModelError.self) { try trainer.evaluate(images: [], count: 0) }
  }

  @Test func badDataAndConfigurationsAreRejected() {
    let images = Self.bars(10, seed: 7)
    #expect(throws: ModelError.sizeMismatch(what: "training images [11, 64]", expected: 704, found: 640)) {
      try Trainer(model: Self.model, training: Self.training(threads: 1), images: images, count: 11)
    }
    #expect(throws: ModelError.sizeMismatch(what: "training targets [10, 64]", expected: 640, found: 639)) {
      try Trainer(model: Self.model, training: Self.training(threads: 1), images: images, targets: Array(images.dropLast()), count: 10)
    }
    #expect(throws: ModelError.invalidConfiguration(field: "count", value: "0", expected: "at least 1 image")) {
      try Trainer(model: Self.model, training: Self.training(threads: 1), images: [], count: 0)
    }
    let bad: [(TrainingConfig, String)] = [
      (TrainingConfig(batchSize: 0), "batchSize"), (TrainingConfig(epochs: -1), "epochs"),
      (TrainingConfig(learningRate: 0), "learningRate"), (TrainingConfig(beta: -1), "beta"),
      (TrainingConfig(klWarmupEpochs: -1), "klWarmupEpochs"), (TrainingConfig(threads: 0), "threads"),
      (TrainingConfig(adamBeta1: 1), "adamBeta1"), (TrainingConfig(adamBeta2: -0.5), "adamBeta2"),
      (TrainingConfig(adamEpsilon: 0), "adamEpsilon"),
    ]
    for (config, field) in bad {
      do {
        _ = try Trainer(model: Self.model, training: config, images: images, count: 10)
        Issue.record("\(field): expected a rejection")
      } catch {
        guard case .invalidConfiguration(let seen, _, _) = error else { Issue.record("unexpected \(error)"); continue }
        #expect(seen == field)
      }
    }
  }

  @Test func stateSurvivesJSONExactly() throws {
    let state = TrainingState(
      epoch: 3, stepInEpoch: 17, globalStep: 1424, adamStep: 1423,
      generator: [UInt64.max, 0x8000_0000_0000_0001, 12_345_678_901_234_567_891, 1])
    let data = try JSONEncoder().encode(state)
    #expect(try JSONDecoder().decode(TrainingState.self, from: data) == state)
  }

  @Test func badStatesAreRejectedWithoutChangingAnything() throws {
    let trainer = try Trainer(model: Self.model, training: Self.training(threads: 1), images: Self.bars(50, seed: 8), count: 50)
    trainer.step()
    let good = trainer.state
    let (p, m, v) = (trainer.parameters.values.array, trainer.optimizer.m.array, trainer.optimizer.v.array)
    func rejects(_ state: TrainingState, _ p: [Float], _ m: [Float], _ v: [Float], _ field: String) {
      do {
        try trainer.restore(state: state, parameters: p, adamM: m, adamV: v)
        Issue.record("\(field): expected a rejection")
      } catch {
        #expect(error.description.contains(field), "\(field): \(error)")
      }
    }
    var state = good
    state.stepInEpoch = 4
    rejects(state, p, m, v, "stepInEpoch")
    state = good
    state.epoch = -1
    rejects(state, p, m, v, "epoch")
    state = good
    state.globalStep = 0
    rejects(state, p, m, v, "globalStep")
    state = good
    state.adamStep = 5
    rejects(state, p, m, v, "adamStep")
    state = good
    state.generator = [0, 0, 0, 0]
    rejects(state, p, m, v, "generator")
    rejects(good, Array(p.dropLast()), m, v, "restored parameters")
    rejects(good, p, m + [0], v, "restored adam m")
    rejects(good, p, m, [], "restored adam v")
    #expect(trainer.state == good)
    #expect(trainer.parameters.values.array == p)
  }
}
