import Compute

// Legend: N = images in the training set, B = batch size, D = pixels per image.

/// Trains a ``VAE`` with Adam on a set of UInt8 images; does no I/O.
///
/// Data: `images` [N, D] UInt8 are what the encoder sees, `targets` (default: the
/// same images) what the decoder must produce; both become Float / 255 one
/// batch at a time. Epoch e visits the images in a permutation drawn from
/// `Xoshiro256(seed: config.seed, stream: e)`, so the order never needs saving.
/// The last batch of an epoch holds the remainder (N mod B) when B does not
/// divide N (like PyTorch's `drop_last=False`).
///
/// A conditional model (`model.condition` C > 0) takes a ``ConditionSource``: the
/// condition of each image of a batch is written into a [B, C] buffer as the batch is
/// gathered, from the image's index and the epoch only, so resuming stays exact.
///
/// Dropout masks and eps come from the trainer's generator, whose state is part
/// of ``state``. Restoring ``state``, the parameter values and Adam's m and v
/// into a trainer built with the same configurations and data continues bitwise
/// identically to a run that never stopped (for the same thread count).
public final class Trainer {
  public let model: VAE
  public let optimizer: Adam
  public let config: TrainingConfig
  /// N
  public let count: Int
  /// The steps in one epoch: ceil(N / B).
  public let stepsPerEpoch: Int

  private let images: [UInt8]  // [N, D]
  private let targets: [UInt8]?  // [N, D], nil when the targets are the images
  private var generator: Xoshiro256
  private var order: [Int32]  // [N] the permutation of the current epoch
  private var orderEpoch = -1
  private let inputBatch: FloatBuffer  // [B, D]
  private let targetBatch: FloatBuffer  // [B, D], unused when targets are the images
  private let conditions: (any ConditionSource)?
  private let conditionBatch: FloatBuffer  // [B, C], empty for a plain VAE

  /// The current epoch, 0-based (= epochs completed).
  public private(set) var epoch = 0
  /// Batches done in the current epoch (0 right after an epoch ends).
  public private(set) var stepInEpoch = 0
  /// Batches done since the start.
  public private(set) var globalStep = 0

  /// - Parameters:
  ///   - images: [N, D] UInt8, row-major, what the encoder sees
  ///   - targets: [N, D] UInt8 the decoder must reproduce; nil for `images` itself
  ///   - count: N (at least 1)
  ///   - conditions: the condition of every training image, needed exactly when
  ///     `modelConfig.condition` > 0 (its width must equal it and it must cover N images)
  ///   - gemmThreading: how GEMMs use `config.threads` (see ``Parallel/GEMMThreading``);
  ///     results are reproducible for a given choice and thread count
  ///   - gemmKernel: which code computes the GEMMs (default: `DIGITVAE_GEMM`, see
  ///     ``Parallel/GEMMKernel``); with ``Parallel/GEMMKernel/own`` and `split` the
  ///     results do not depend on the thread count either
  /// - Throws: ``ModelError`` for bad configurations, data of the wrong size, or no BLAS.
  public init(
    model modelConfig: VAEConfig, training config: TrainingConfig, images: [UInt8], targets: [UInt8]? = nil,
    count: Int, conditions: (any ConditionSource)? = nil, gemmThreading: Parallel.GEMMThreading = .split,
    gemmKernel: Parallel.GEMMKernel = .fromEnvironment
  ) throws(ModelError) {
    try config.validate()
    try modelConfig.validate()
    guard count >= 1 else { throw .invalidConfiguration(field: "count", value: "\(count)", expected: "at least 1 image") }
    let size = count * modelConfig.inputSize
    guard images.count == size else { throw .sizeMismatch(what: "training images [\(count), \(modelConfig.inputSize)]", expected: size, found: images.count) }
    if let targets, targets.count != size {
      throw .sizeMismatch(what: "training targets [\(count), \(modelConfig.inputSize)]", expected: size, found: targets.count)
    }
    try Self.check(conditions, model: modelConfig, count: count, what: "training")
    if config.loss == .hole && conditions?.observedOffset == nil {
      throw .invalidConfiguration(field: "loss", value: "hole", expected: "image for a model whose condition marks no hidden pixels")
    }
    if config.gsnn > 0 && modelConfig.prior != .learned {
      throw .invalidConfiguration(field: "gsnn", value: "\(config.gsnn)", expected: "0 for a model without a learned prior")
    }
    self.conditions = conditions
    conditionBatch = FloatBuffer(count: config.batchSize * modelConfig.condition)
    self.config = config
    self.count = count
    self.images = images
    self.targets = targets
    stepsPerEpoch = (count + config.batchSize - 1) / config.batchSize
    model = try VAE(
      config: modelConfig, maxBatch: config.batchSize, seed: config.seed,
      parallel: Parallel(threads: config.threads, gemmThreading: gemmThreading, gemmKernel: gemmKernel))
    optimizer = Adam(
      count: model.parameters.count, learningRate: config.learningRate, beta1: config.adamBeta1,
      beta2: config.adamBeta2, epsilon: config.adamEpsilon)
    generator = Xoshiro256(seed: config.seed, stream: VAE.Streams.training)
    order = [Int32](repeating: 0, count: count)
    inputBatch = FloatBuffer(count: config.batchSize * modelConfig.inputSize)
    targetBatch = FloatBuffer(count: targets == nil ? 0 : config.batchSize * modelConfig.inputSize)
  }

  /// The parameters (values and gradients) of ``model``.
  public var parameters: ParameterSet { model.parameters }

  /// True right after the step that finished an epoch (and before any step).
  public var isAtEpochEnd: Bool { stepInEpoch == 0 }

  /// The KL weight the next step will use (ramps during `klWarmupEpochs`).
  public var currentBeta: Float {
    config.klWeight(atEpochProgress: Double(epoch) + Double(stepInEpoch) / Double(stepsPerEpoch))
  }

  /// Trains on the next batch and returns its loss (with the KL weight in force).
  ///
  /// When the loss or a gradient is NaN or infinite, the report says so
  /// (``LossReport/isFinite`` is false) and the parameters and Adam are left
  /// unchanged; the batch still counts as done and the generator has advanced,
  /// so the caller may stop, or go on past the bad batch.
  @discardableResult
  public func step() -> LossReport {
    let d = model.config.inputSize
    if orderEpoch != epoch { shuffleOrder() }
    let start = stepInEpoch * config.batchSize
    let b = min(config.batchSize, count - start)
    let beta = currentBeta
    images.withUnsafeBufferPointer { images in
      order.withUnsafeBufferPointer { order in
        Self.gather(images, order, start, b, d, into: inputBatch.pointer, parallel: model.parallel)
        if let targets {
          targets.withUnsafeBufferPointer { targets in
            Self.gather(targets, order, start, b, d, into: targetBatch.pointer, parallel: model.parallel)
          }
        }
      }
    }
    if let conditions {
      (targets ?? images).withUnsafeBufferPointer { clean in
        order.withUnsafeBufferPointer { order in
          Self.gatherConditions(conditions, clean, order, start, b, d, epoch: epoch, into: conditionBatch.pointer)
        }
      }
    }
    let targetPointer = targets == nil ? inputBatch.pointer : targetBatch.pointer
    let report = model.trainStep(
      input: inputBatch.pointer, target: targetPointer, condition: conditions == nil ? nil : conditionBatch.pointer,
      observed: observed(conditions), count: b, beta: beta, gsnn: config.gsnn, generator: &generator,
      optimizer: optimizer)
    globalStep += 1
    stepInEpoch += 1
    if start + b == count {
      epoch += 1
      stepInEpoch = 0
    }
    return report
  }

  /// The loss over a whole data set, in nats per image, with the config's beta
  /// (not the warm-up value), no dropout, and eps from a generator seeded afresh
  /// from the config seed, so the same parameters always give the same figure.
  ///
  /// - Parameters:
  ///   - images: [count, D] UInt8 inputs
  ///   - targets: [count, D] UInt8 targets; nil for `images`
  ///   - conditions: the images' conditions (epoch 0 of the source), exactly for a conditional model
  public func evaluate(
    images: [UInt8], targets: [UInt8]? = nil, count: Int, conditions: (any ConditionSource)? = nil
  ) throws(ModelError) -> LossReport {
    let d = model.config.inputSize
    try Self.check(conditions, model: model.config, count: count, what: "evaluation")
    guard count >= 1 else { throw .invalidConfiguration(field: "count", value: "\(count)", expected: "at least 1 image") }
    guard images.count == count * d else { throw .sizeMismatch(what: "evaluation images [\(count), \(d)]", expected: count * d, found: images.count) }
    if let targets, targets.count != count * d {
      throw .sizeMismatch(what: "evaluation targets [\(count), \(d)]", expected: count * d, found: targets.count)
    }
    var evalGenerator = Xoshiro256(seed: config.seed, stream: VAE.Streams.evaluation)
    var (total, recon, kl) = (0.0, 0.0, 0.0)
    let evalTargets = targets == nil ? nil : FloatBuffer(count: config.batchSize * d)
    var start = 0
    while start < count {
      let b = min(config.batchSize, count - start)
      images.withUnsafeBufferPointer { images in
        Self.gather(images, nil, start, b, d, into: inputBatch.pointer, parallel: model.parallel)
      }
      if let targets, let evalTargets {
        targets.withUnsafeBufferPointer { targets in
          Self.gather(targets, nil, start, b, d, into: evalTargets.pointer, parallel: model.parallel)
        }
      }
      if let conditions {
        (targets ?? images).withUnsafeBufferPointer { clean in
          Self.gatherConditions(conditions, clean, nil, start, b, d, epoch: 0, into: conditionBatch.pointer)
        }
      }
      let report = model.evaluate(
        input: inputBatch.pointer, target: evalTargets?.pointer ?? inputBatch.pointer,
        condition: conditions == nil ? nil : conditionBatch.pointer, observed: observed(conditions), count: b,
        beta: config.beta, generator: &evalGenerator)
      total += report.total * Double(b)
      recon += report.recon * Double(b)
      kl += report.kl * Double(b)
      start += b
    }
    let n = Double(count)
    return LossReport(total: total / n, recon: recon / n, kl: kl / n)
  }

  /// The mask of the hidden pixels inside the condition batch, with ``LossScope/hole``; nil otherwise.
  private func observed(_ conditions: (any ConditionSource)?) -> UnsafePointer<Float>? {
    guard config.loss == .hole, let offset = conditions?.observedOffset else { return nil }
    return UnsafePointer(conditionBatch.pointer + offset)
  }

  // MARK: - Saving and restoring

  /// Everything but the parameters and Adam's moments.
  public var state: TrainingState {
    TrainingState(
      epoch: epoch, stepInEpoch: stepInEpoch, globalStep: globalStep, adamStep: optimizer.step,
      generator: generator.state)
  }

  /// Continues from a saved run: `state`, parameter values and Adam's m and v, each flat
  /// in the ``ParameterSet`` layout (`parameters.count` Floats; see `parameters.entries`).
  ///
  /// Throws ``ModelError/sizeMismatch(what:expected:found:)`` or
  /// ``ModelError/invalidTrainingState(field:value:expected:)``; on a throw nothing changed.
  public func restore(state: TrainingState, parameters values: [Float], adamM: [Float], adamV: [Float]) throws(ModelError) {
    let n = model.parameters.count
    for (name, array) in [("parameters", values), ("adam m", adamM), ("adam v", adamV)] where array.count != n {
      throw .sizeMismatch(what: "restored \(name)", expected: n, found: array.count)
    }
    guard state.epoch >= 0 else { throw .invalidTrainingState(field: "epoch", value: "\(state.epoch)", expected: "0 or more") }
    guard state.stepInEpoch >= 0 && state.stepInEpoch < stepsPerEpoch else {
      throw .invalidTrainingState(field: "stepInEpoch", value: "\(state.stepInEpoch)", expected: "0..<\(stepsPerEpoch) (batches per epoch)")
    }
    guard state.globalStep >= state.epoch * stepsPerEpoch + state.stepInEpoch else {
      throw .invalidTrainingState(field: "globalStep", value: "\(state.globalStep)", expected: "at least epoch * stepsPerEpoch + stepInEpoch")
    }
    guard state.adamStep >= 0 && state.adamStep <= state.globalStep else {
      throw .invalidTrainingState(field: "adamStep", value: "\(state.adamStep)", expected: "0...globalStep")
    }
    let restoredGenerator: Xoshiro256
    do { restoredGenerator = try Xoshiro256(state: state.generator) } catch {
      throw .invalidTrainingState(field: "generator", value: "\(state.generator)", expected: "4 words, not all zero")
    }
    model.parameters.values.assign(values)
    optimizer.m.assign(adamM)
    optimizer.v.assign(adamV)
    optimizer.step = state.adamStep
    generator = restoredGenerator
    epoch = state.epoch
    stepInEpoch = state.stepInEpoch
    globalStep = state.globalStep
  }

  // MARK: - Data

  /// Throws unless `conditions` is given exactly for a conditional model, with its width, covering `count` images.
  private static func check(
    _ conditions: (any ConditionSource)?, model: VAEConfig, count: Int, what: String
  ) throws(ModelError) {
    guard let conditions else {
      guard model.condition == 0 else {
        throw .invalidConfiguration(field: "conditions", value: "none", expected: "\(what) conditions of width \(model.condition)")
      }
      return
    }
    guard conditions.width == model.condition else {
      throw .invalidConfiguration(
        field: "conditions", value: "width \(conditions.width)", expected: "width \(model.condition) (the model's condition)")
    }
    guard conditions.count >= count else {
      throw .sizeMismatch(what: "\(what) conditions (one per image)", expected: count, found: conditions.count)
    }
  }

  /// The conditions of rows `order[start ..< start + b]` (or `start ..< start + b`) into `output` [b, C].
  private static func gatherConditions(
    _ source: any ConditionSource, _ clean: UnsafeBufferPointer<UInt8>, _ order: UnsafeBufferPointer<Int32>?,
    _ start: Int, _ b: Int, _ d: Int, epoch: Int, into output: UnsafeMutablePointer<Float>
  ) {
    guard let base = clean.baseAddress else { return }
    let c = source.width
    for i in 0..<b {
      let row = order.map { Int($0[start + i]) } ?? start + i
      source.write(index: row, epoch: epoch, image: base + row * d, into: output + i * c)
    }
  }

  private func shuffleOrder() {
    var shuffler = Xoshiro256(seed: config.seed, stream: UInt64(epoch))
    order.withUnsafeMutableBufferPointer { order in
      for i in order.indices { order[i] = Int32(i) }
      shuffler.shuffle(order)
    }
    orderEpoch = epoch
  }

  /// Rows `order[start ..< start + b]` (or `start ..< start + b` without an order) of
  /// `source` [N, D] as Float / 255 into `output` [b, D].
  private static func gather(
    _ source: UnsafeBufferPointer<UInt8>, _ order: UnsafeBufferPointer<Int32>?, _ start: Int, _ b: Int, _ d: Int,
    into output: UnsafeMutablePointer<Float>, parallel: Parallel
  ) {
    guard let base = source.baseAddress else { return }
    parallel.forEachRange(count: b, alignment: 1, work: b * d) { rows in
      for i in rows {
        let row = order.map { Int($0[start + i]) } ?? start + i
        VectorMath.normalizeBytes(base + row * d, into: output + i * d, count: d)
      }
    }
  }
}
