import Compute
import Models

/// Inference for the conditional models (`cvae`, `inpaint`).
extension TrainedModel {
  /// The run's model family.
  public var kind: ModelKind { config.kind }

  /// Where the latent code of an inpainting comes from.
  public enum InpaintLatent: String, Codable, CaseIterable, Sendable {
    /// z = 0, the prior mean: the output depends on the observed pixels through the condition only.
    case priorMean = "prior_mean"
    /// z = mu(occluded image, condition): the encoder (trained on whole images) sees the occluded one.
    case encoder
    /// z ~ N(0, I), one draw per image (seed 1, stream 7): what a sampler of the prior would fill.
    case priorSample = "prior_sample"
  }

  /// Decoded images [count, D] for latent codes `codes` [count, Z], each under its digit label (cvae).
  public func generate(codes: [Float], labels: [UInt8]) -> [Float] {
    precondition(kind == .cvae, "generate(codes:labels:) is for cvae models")
    return vae.decode(codes, conditions: LabelCondition.oneHot(labels, classes: ModelKind.classes), count: labels.count)
  }

  /// `count` codes z ~ N(0, I), [count, Z]; the same seed gives the same codes.
  public func priorCodes(count: Int, seed: UInt64) -> [Float] {
    var generator = Xoshiro256(seed: seed, stream: 7)
    var z = [Float](repeating: 0, count: count * config.model.latent)
    z.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    return z
  }

  /// decode(mu(x, y), y) for images with their labels (cvae), [count, D].
  public func restore(_ images: ArraySlice<UInt8>, labels: [UInt8]) -> [Float] {
    precondition(kind == .cvae, "restore(_:labels:) is for cvae models")
    return vae.reconstruct(
      Self.unit(images), conditions: LabelCondition.oneHot(labels, classes: ModelKind.classes), count: labels.count)
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
