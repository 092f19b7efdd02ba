/// How a ``Trainer`` trains: batch, schedule, optimiser and determinism settings.
public struct TrainingConfig: Codable, Equatable, Sendable {
  /// Images per step; the last batch of an epoch may be smaller.
  public var batchSize: Int
  /// Epochs to train (the trainer itself does not stop; its caller reads this).
  public var epochs: Int
  /// Adam's step size.
  public var learningRate: Float
  /// The weight of the KL term (1 gives the ELBO).
  public var beta: Float
  /// Epochs over which the KL weight ramps linearly from 0 to ``beta`` (0: no ramp).
  public var klWarmupEpochs: Float
  /// Seeds the initial weights, the data order of every epoch, dropout, eps and evaluation.
  public var seed: UInt64
  /// Threads for the kernels and GEMMs. Results are bitwise reproducible for a given count.
  public var threads: Int
  /// Adam's decay rate for the first moment.
  public var adamBeta1: Float
  /// Adam's decay rate for the second moment.
  public var adamBeta2: Float
  /// Adam's denominator floor.
  public var adamEpsilon: Float
  /// Which pixels the reconstruction term covers: the whole image, or an inpainting
  /// condition's hidden pixels only (``LossScope``). Written only when not `image`.
  public var loss: LossScope {
    get { storedLoss ?? .image }
    set { storedLoss = newValue == .image ? nil : newValue }
  }
  /// alpha, the weight of the GSNN term (Sohn et al., 2015, eq. 8) of a learned-prior model:
  /// the loss is (1 - alpha) * ELBO + alpha * -log p(x | z_p, c) with z_p drawn from the prior
  /// network. 0 (the default) is the plain ELBO. Written only when not 0.
  public var gsnn: Float {
    get { storedGSNN ?? 0 }
    set { storedGSNN = newValue == 0 ? nil : newValue }
  }
  // nil for the defaults, which the synthesised encoding then leaves out of the file.
  var storedLoss: LossScope?
  var storedGSNN: Float?

  /// The largest batch (images per step): a batch's activations scale with it, and
  /// 65,536 images of the bench model already take about 0.5 GB.
  public static let maxBatchSize = 65_536
  /// The most threads (the worker pool keeps per-thread buffers).
  public static let maxThreads = 256

  public init(
    batchSize: Int = 128, epochs: Int = 10, learningRate: Float = 1e-3, beta: Float = 1, klWarmupEpochs: Float = 0,
    seed: UInt64 = 1, threads: Int = 1, adamBeta1: Float = 0.9, adamBeta2: Float = 0.999, adamEpsilon: Float = 1e-8
  ) {
    self.batchSize = batchSize
    self.epochs = epochs
    self.learningRate = learningRate
    self.beta = beta
    self.klWarmupEpochs = klWarmupEpochs
    self.seed = seed
    self.threads = threads
    self.adamBeta1 = adamBeta1
    self.adamBeta2 = adamBeta2
    self.adamEpsilon = adamEpsilon
  }

  /// Missing keys take the defaults of the memberwise initialiser.
  public init(from decoder: Decoder) throws {
    let d = TrainingConfig()
    let c = try decoder.container(keyedBy: CodingKeys.self)
    batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
    epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
    learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
    beta = try c.decodeIfPresent(Float.self, forKey: .beta) ?? d.beta
    klWarmupEpochs = try c.decodeIfPresent(Float.self, forKey: .klWarmupEpochs) ?? d.klWarmupEpochs
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    adamBeta1 = try c.decodeIfPresent(Float.self, forKey: .adamBeta1) ?? d.adamBeta1
    adamBeta2 = try c.decodeIfPresent(Float.self, forKey: .adamBeta2) ?? d.adamBeta2
    adamEpsilon = try c.decodeIfPresent(Float.self, forKey: .adamEpsilon) ?? d.adamEpsilon
    loss = try c.decodeIfPresent(LossScope.self, forKey: .storedLoss) ?? d.loss
    gsnn = try c.decodeIfPresent(Float.self, forKey: .storedGSNN) ?? d.gsnn
  }

  enum CodingKeys: String, CodingKey {
    case batchSize, epochs, learningRate, beta, klWarmupEpochs, seed, threads, adamBeta1, adamBeta2, adamEpsilon
    case storedLoss = "loss", storedGSNN = "gsnn"
  }

  /// Throws ``ModelError/invalidConfiguration(field:value:expected:)`` for the first bad field.
  public func validate() throws(ModelError) {
    func check(_ ok: Bool, _ field: String, _ value: Any, _ expected: String) throws(ModelError) {
      if !ok { throw .invalidConfiguration(field: field, value: "\(value)", expected: expected) }
    }
    try check((1...Self.maxBatchSize).contains(batchSize), "batchSize", batchSize, "1...\(Self.maxBatchSize)")
    try check(epochs >= 0, "epochs", epochs, "0 or more")
    try check(learningRate > 0 && learningRate.isFinite, "learningRate", learningRate, "a positive number")
    try check(beta >= 0 && beta.isFinite, "beta", beta, "0 or more")
    try check(klWarmupEpochs >= 0 && klWarmupEpochs.isFinite, "klWarmupEpochs", klWarmupEpochs, "0 or more")
    try check((1...Self.maxThreads).contains(threads), "threads", threads, "1...\(Self.maxThreads)")
    try check(adamBeta1 >= 0 && adamBeta1 < 1, "adamBeta1", adamBeta1, "a number in [0, 1)")
    try check(adamBeta2 >= 0 && adamBeta2 < 1, "adamBeta2", adamBeta2, "a number in [0, 1)")
    try check(adamEpsilon > 0 && adamEpsilon.isFinite, "adamEpsilon", adamEpsilon, "a positive number")
    try check(gsnn >= 0 && gsnn <= 1, "gsnn", gsnn, "a weight in [0, 1]")
  }

  /// The KL weight in force at `epochProgress` epochs into training (e.g. 2.5 = half-way
  /// through the third epoch): `beta * min(1, epochProgress / klWarmupEpochs)`.
  public func klWeight(atEpochProgress epochProgress: Double) -> Float {
    guard klWarmupEpochs > 0 else { return beta }
    return beta * Float(min(1, epochProgress / Double(klWarmupEpochs)))
  }
}
