import DataFiles
import Models

/// `vae`: the plain VAE, conditioned on nothing.
public struct PlainKind: RunKind {
  public init() {}

  public func conditionWidth(dataset: DatasetDescriptor) -> Int { 0 }

  public func trainingConditions(config: RunConfig, images: Int, count: Int, testImages: Int) throws
    -> (train: (any ConditionSource)?, test: (any ConditionSource)?)
  {
    (nil, nil)
  }

  public var reconstructsFromImageAlone: Bool { true }
  public var needsMasks: Bool { false }
  public var needsLabels: Bool { false }

  /// decode(mu(x)).
  public func restore(_ model: TrainedModel, _ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float] {
    model.restore(images, count: count)
  }
}
