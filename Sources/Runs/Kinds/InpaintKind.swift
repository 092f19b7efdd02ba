import Compute
import DataFiles
import Foundation
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
    let masks = config.masks ?? InpaintCondition.mixture
    return (
      InpaintCondition(seed: config.training.seed, count: count, height: dataset.height, width: dataset.width, kind: masks),
      // The test loss uses masks no training epoch draws (another seed), the same at every epoch.
      InpaintCondition(seed: config.training.seed ^ 0x7E57, count: testImages, height: dataset.height, width: dataset.width, kind: masks)
    )
  }

  public var reconstructsFromImageAlone: Bool { false }
  public var needsMasks: Bool { true }
  public var needsLabels: Bool { false }

  /// The observed pixels kept, the hole decoded at the prior mean (z = 0, or muP(c) for a learned prior).
  public func restore(_ model: TrainedModel, _ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float] {
    guard let masks else { preconditionFailure("an inpainting needs the images' masks") }
    return model.inpaint(occluded: images, masks: masks, count: count, latent: .priorMean)
  }
}

/// Inference of an inpainting model.
extension TrainedModel {
  /// Where the latent code of an inpainting comes from.
  public enum InpaintLatent: String, Codable, CaseIterable, Sendable {
    /// z = the prior mean (0, or muP(c) for a learned prior): the output depends on the observed
    /// pixels through the condition only.
    case priorMean = "prior_mean"
    /// z = mu(occluded image, condition): the encoder (trained on whole images) sees the occluded one.
    case encoder
    /// z drawn from the prior p(z | c), one draw per image: muP + sigmaP eps with eps ~ N(0, I)
    /// (seed 1, stream 7; for a standard prior muP = 0, sigmaP = 1): what a sampler would fill.
    case priorSample = "prior_sample"
  }

  /// The stream of draw k of ``inpaintDraw(occluded:masks:count:draw:seed:)``.
  public static let drawStream: UInt64 = 1 << 44

  /// Fills the holes of `count` occluded images (masks: 1 observed, 0 hidden) with the
  /// inpainting model's decoder output, keeping every observed pixel: [count, D] in [0, 1].
  public func inpaint(occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>, count: Int, latent: InpaintLatent) -> [Float] {
    precondition(kind == .inpaint, "inpaint(...) is for inpaint models")
    let conditions = InpaintCondition.conditions(occluded: occluded, masks: masks, count: count)
    let decoded: [Float]
    switch latent {
    case .priorMean:
      decoded = vae.decode(vae.prior(conditions: conditions, count: count).mu, conditions: conditions, count: count)
    case .encoder:
      decoded = vae.reconstruct(Self.unit(occluded), conditions: conditions, count: count)
    case .priorSample:
      decoded = vae.decode(
        priorDraws(conditions: conditions, eps: priorCodes(count: count, seed: 1), count: count), conditions: conditions,
        count: count)
    }
    return Self.composite(decoded, occluded: occluded, masks: masks)
  }

  /// Draw k of the completions of `count` occluded images: z = muP + sigmaP eps, eps from
  /// `Xoshiro256(seed: seed, stream: drawStream + k)`, decoded, observed pixels kept.
  public func inpaintDraw(occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>, count: Int, draw k: Int, seed: UInt64) -> [Float] {
    let conditions = InpaintCondition.conditions(occluded: occluded, masks: masks, count: count)
    let decoded = vae.decode(
      priorDraws(conditions: conditions, eps: drawEps(count: count, draw: k, seed: seed), count: count),
      conditions: conditions, count: count)
    return Self.composite(decoded, occluded: occluded, masks: masks)
  }

  /// The mean of draws 0..<k (see ``inpaintDraw(occluded:masks:count:draw:seed:)``): the Monte
  /// Carlo estimate of the conditional mean E[x | observed], the fill with the least expected
  /// squared error; observed pixels kept.
  public func inpaintDrawMean(occluded: ArraySlice<UInt8>, masks: ArraySlice<UInt8>, count: Int, draws k: Int, seed: UInt64) -> [Float] {
    precondition(k >= 1, "at least one draw")
    let conditions = InpaintCondition.conditions(occluded: occluded, masks: masks, count: count)
    var sum = [Float](repeating: 0, count: count * config.model.inputSize)
    for draw in 0..<k {
      let codes = priorDraws(conditions: conditions, eps: drawEps(count: count, draw: draw, seed: seed), count: count)
      let decoded = vae.decode(codes, conditions: conditions, count: count)
      for i in sum.indices { sum[i] += decoded[i] }
    }
    let scale = 1 / Float(k)
    return Self.composite(sum.map { $0 * scale }, occluded: occluded, masks: masks)
  }

  /// eps [count, Z] of draw k.
  func drawEps(count: Int, draw k: Int, seed: UInt64) -> [Float] {
    var generator = Xoshiro256(seed: seed, stream: Self.drawStream &+ UInt64(k))
    var eps = [Float](repeating: 0, count: count * config.model.latent)
    eps.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    return eps
  }

  /// muP + sigmaP eps for `conditions` [count, C] and eps [count, Z].
  func priorDraws(conditions: [Float], eps: [Float], count: Int) -> [Float] {
    let prior = vae.prior(conditions: conditions, count: count)
    return (0..<eps.count).map { prior.mu[$0] + Foundation.exp(0.5 * prior.logVar[$0]) * eps[$0] }
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
