import Compute
import DataFiles
import Models

/// `inpaint`: conditioned on the observed part of the image (the occluded
/// image and its mask), with fresh random occlusions every epoch.
public struct InpaintKind: RunKind {
  public init() {}

  public func conditionWidth(dataset: DatasetDescriptor) -> Int { 2 * dataset.pixels }

  public func trainingConditions(config: RunConfig, images: Int, count: Int, testImages: Int) throws
    -> (train: (any ConditionSource)?, test: (any ConditionSource)?)
  {
    let dataset = config.datasetDescriptor
    return (
      InpaintCondition(seed: config.training.seed, count: count, height: dataset.height, width: dataset.width),
      // The test loss uses masks no training epoch draws (another seed), the same at every epoch.
      InpaintCondition(seed: config.training.seed ^ 0x7E57, count: testImages, height: dataset.height, width: dataset.width)
    )
  }

  public var reconstructsFromImageAlone: Bool { false }
  public var needsMasks: Bool { true }
  public var needsLabels: Bool { false }

  /// The observed pixels kept, the hole decoded at z = 0 (the prior mean).
  public func restore(_ model: TrainedModel, _ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float] {
    guard let masks else { preconditionFailure("an inpainting needs the images' masks") }
    return model.inpaint(occluded: images, masks: masks, count: count, latent: .priorMean)
  }
}

/// Inference of an inpainting model.
extension TrainedModel {
  /// Where the latent code of an inpainting comes from.
  public enum InpaintLatent: String, Codable, CaseIterable, Sendable {
    /// z = 0, the prior mean: the output depends on the observed pixels through the condition only.
    case priorMean = "prior_mean"
    /// z = mu(occluded image, condition): the encoder (trained on whole images) sees the occluded one.
    case encoder
    /// z ~ N(0, I), one draw per image (seed 1, stream 7): what a sampler of the prior would fill.
    case priorSample = "prior_sample"
  }

  /// Fills the holes of `count` occluded images (masks: 1 observed, 0 hidden) with the
  /// inpainting model's decoder output, keeping every observed pixel: [count, D] in [0, 1].
  public func inpaint(occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>, count: Int, latent: InpaintLatent) -> [Float] {
    precondition(kind == .inpaint, "inpaint(...) is for inpaint models")
    let conditions = InpaintCondition.conditions(occluded: occluded, masks: masks, count: count)
    let decoded: [Float]
    switch latent {
    case .priorMean:
      decoded = vae.decode([Float](repeating: 0, count: count * config.model.latent), conditions: conditions, count: count)
    case .encoder:
      decoded = vae.reconstruct(Self.unit(occluded), conditions: conditions, count: count)
    case .priorSample:
      decoded = vae.decode(priorCodes(count: count, seed: 1), conditions: conditions, count: count)
    }
    return Self.composite(decoded, occluded: occluded, masks: masks)
  }

  /// Observed pixels from `occluded`, hidden ones (mask 0) from `filled` [N, D] in [0, 1].
  public static func composite(_ filled: [Float], occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>) -> [Float] {
    var out = filled
    for (k, (value, observed)) in zip(occluded, masks).enumerated() where observed != 0 {
      out[k] = Float(value) * (1 / 255)
    }
    return out
  }
}
