import Checkpoints
import Compute
import DataFiles
import Foundation
import Models

/// A trained VAE loaded from a checkpoint for inference (vae-eval, vae-render).
public struct TrainedModel {
  public let config: RunConfig
  public let vae: VAE
  /// The checkpoint file the weights came from.
  public let path: String

  /// Images handled per BLAS call at inference.
  public static let batch = 500

  /// A model already built (tests build small ones by hand).
  public init(config: RunConfig, vae: VAE, path: String) {
    self.config = config
    self.vae = vae
    self.path = path
  }

  /// The model of an opened checkpoint, for inference on `threads` threads.
  public init(checkpoint: RunCheckpoint, threads: Int) throws {
    let vae = try VAE(
      config: checkpoint.config.model, maxBatch: Self.batch, seed: checkpoint.config.training.seed,
      parallel: Parallel(threads: threads))
    vae.parameters.values.assign(try checkpoint.parameters())
    self.init(config: checkpoint.config, vae: vae, path: checkpoint.path)
  }

  /// Loads `checkpoint` if given, otherwise the newest valid checkpoint of the run folder `run`.
  public static func load(run: String, checkpoint: String?, threads: Int) throws -> TrainedModel {
    let opened = try checkpoint.map(RunCheckpoint.open) ?? RunCheckpoint.newest(in: RunFolder(path: run)).checkpoint
    return try TrainedModel(checkpoint: opened, threads: threads)
  }

  /// Checks that `images` (from `source`) have the pixel count this model was trained on.
  public func check(_ images: IDXArray<UInt8>, source: String) throws {
    guard images.itemSize == config.model.inputSize else {
      throw RunError.dataMismatch(
        path: source,
        reason: "images have \(images.itemSize) pixels each, but the model in \(path) was trained on \(config.model.inputSize)")
    }
  }

  /// decode(mu(x)) for `count` images: pixel intensities in [0, 1], [count, D].
  public func restore(_ images: ArraySlice<UInt8>, count: Int) -> [Float] {
    vae.reconstruct(Self.unit(images), count: count)
  }

  /// Posterior means mu(x), [count, Z].
  public func encode(_ images: ArraySlice<UInt8>, count: Int) -> [Float] {
    vae.encode(Self.unit(images), count: count).mu
  }

  /// The run's model family.
  public var kind: ModelKind { config.kind }
  /// The data set the model was trained on.
  public var dataset: DatasetDescriptor { config.datasetDescriptor }
  /// K, the classes of its data set (the width of a cvae's one-hot condition).
  public var classCount: Int { dataset.classCount }

  /// `count` codes z ~ N(0, I), [count, Z]; the same seed gives the same codes.
  public func priorCodes(count: Int, seed: UInt64) -> [Float] {
    var generator = Xoshiro256(seed: seed, stream: 7)
    var z = [Float](repeating: 0, count: count * config.model.latent)
    z.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
    return z
  }

  /// Decoded samples from the prior z ~ N(0, I), [count, D]; the same seed gives the same samples.
  public func sample(count: Int, seed: UInt64) -> [Float] {
    vae.decode(priorCodes(count: count, seed: seed), count: count)
  }

  /// The negative ELBO over a set of images (inputs may be corrupted, targets clean), nats per image;
  /// a conditional model takes the images' `conditions` [count, C].
  public func elbo(inputs: [UInt8], targets: [UInt8]? = nil, conditions: [Float]? = nil, count: Int, seed: UInt64) -> LossReport {
    var generator = Xoshiro256(seed: seed, stream: VAE.Streams.evaluation)
    let d = config.model.inputSize
    var sums = TrainingCheckpoint.EpochSums()
    var start = 0
    while start < count {
      let b = min(Self.batch, count - start)
      let x = Self.unit(inputs[start * d..<(start + b) * d])
      let t = targets.map { Self.unit($0[start * d..<(start + b) * d]) } ?? x
      let c = conditions.map { Array($0[start * vae.config.condition..<(start + b) * vae.config.condition]) }
      let report = x.withUnsafeBufferPointer { x in
        t.withUnsafeBufferPointer { t in
          (c ?? []).withUnsafeBufferPointer { c in
            vae.evaluate(
              input: x.baseAddress!, target: t.baseAddress!, condition: conditions == nil ? nil : c.baseAddress, count: b,
              beta: 1, generator: &generator)
          }
        }
      }
      sums.add(report, images: b)
      start += b
    }
    return sums.mean
  }

  /// Bytes 0...255 to intensities 0...1.
  public static func unit(_ bytes: ArraySlice<UInt8>) -> [Float] {
    bytes.map { Float($0) * (1 / 255) }
  }
}
