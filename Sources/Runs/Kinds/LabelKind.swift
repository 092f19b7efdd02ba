import DataFiles
import Models

/// `cvae`: conditioned on the one-hot label (Sohn et al., 2015), read from the
/// data folder's label files; one column per class of the data set.
public struct LabelKind: RunKind {
  public init() {}

  public func conditionWidth(dataset: DatasetDescriptor) -> Int { dataset.classCount }

  public func trainingConditions(config: RunConfig, images: Int, count: Int, testImages: Int) throws
    -> (train: (any ConditionSource)?, test: (any ConditionSource)?)
  {
    let classes = config.datasetDescriptor.classCount
    let labels = try DataLabels.read(folder: config.data, split: .train, images: images, classes: classes)
    let test = try DataLabels.read(folder: config.data, split: .test, images: testImages, classes: classes)
    return (
      LabelCondition(labels: Array(labels[0..<count]), classes: classes),
      LabelCondition(labels: test, classes: classes)
    )
  }

  public var reconstructsFromImageAlone: Bool { false }
  public var needsMasks: Bool { false }
  public var needsLabels: Bool { true }

  /// decode(mu(x, y), y) under each image's label.
  public func restore(_ model: TrainedModel, _ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float] {
    guard let labels else { preconditionFailure("a cvae's restoration needs the images' labels") }
    return model.restore(images, labels: labels)
  }
}

/// Inference of a label-conditioned model.
extension TrainedModel {
  /// Decoded images [count, D] for latent codes `codes` [count, Z], each under its label (cvae).
  public func generate(codes: [Float], labels: [UInt8]) -> [Float] {
    precondition(kind == .cvae, "generate(codes:labels:) is for cvae models")
    return vae.decode(codes, conditions: LabelCondition.oneHot(labels, classes: classCount), count: labels.count)
  }

  /// decode(mu(x, y), y) for images with their labels (cvae), [count, D].
  public func restore(_ images: ArraySlice<UInt8>, labels: [UInt8]) -> [Float] {
    precondition(kind == .cvae, "restore(_:labels:) is for cvae models")
    return vae.reconstruct(
      Self.unit(images), conditions: LabelCondition.oneHot(labels, classes: classCount), count: labels.count)
  }
}
