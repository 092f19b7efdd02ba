import Models

/// `vae`: the plain VAE, conditioned on nothing.
public struct PlainKind: RunKind {
  public init() {}

  public func conditionWidth(pixels: Int) -> Int { 0 }

  public func trainingConditions(config: RunConfig, images: Int, count: Int, testImages: Int) throws
    -> (train: (any ConditionSource)?, test: (any ConditionSource)?)
  {
    (nil, nil)
  }

  public var reconstructsFromImageAlone: Bool { true }
}
