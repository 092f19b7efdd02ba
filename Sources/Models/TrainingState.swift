/// Where a training run is, apart from parameters and Adam moments: with those
/// three buffers it is everything needed to continue bit for bit.
public struct TrainingState: Codable, Equatable, Sendable {
  /// The current epoch, 0-based (= epochs completed).
  public var epoch: Int
  /// Batches done in the current epoch.
  public var stepInEpoch: Int
  /// Batches done since the start.
  public var globalStep: Int
  /// Adam updates taken (steps with a non-finite loss are not counted).
  public var adamStep: Int
  /// The trainer's generator (dropout masks and eps), see ``Xoshiro256/state``.
  public var generator: [UInt64]

  public init(epoch: Int, stepInEpoch: Int, globalStep: Int, adamStep: Int, generator: [UInt64]) {
    self.epoch = epoch
    self.stepInEpoch = stepInEpoch
    self.globalStep = globalStep
    self.adamStep = adamStep
    self.generator = generator
  }
}
