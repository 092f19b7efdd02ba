import Corruptions
import DataFiles
import Foundation
import Runs
import Terminal

/// The work of `vae-corrupt`, apart from its command line.
public struct CorruptStage: Sendable {
  public var images: String
  public var out: String
  public var kind: CorruptionKind
  public var seed: UInt64
  public var threads: Int

  public static let stageName = "vae-corrupt"

  public enum Outcome: Equatable, Sendable {
    case skipped(folder: String)
    case wrote(folder: String, count: Int)
  }

  public init(images: String, out: String, kind: CorruptionKind, seed: UInt64, threads: Int) {
    self.images = images
    self.out = out
    self.kind = kind
    self.seed = seed
    self.threads = threads
  }

  public var outputs: [String] { [out + "/images.idx", out + "/mask.idx", out + "/spec.json"] }

  public func run() throws -> Outcome {
    // The spec's format is an option, so outputs of a vae-corrupt that wrote an older spec.json are out of date.
    let options = ["kind": kind.summary, "seed": String(seed), "spec": CorruptionSpec.format]
    let record = StageRecord(stage: Self.stageName, folder: out, options: options, inputs: [images], outputs: outputs)
    if record.isUpToDate { return .skipped(folder: out) }
    let clean = try DigitSet.loadImages(path: images)
    let (height, width) = (clean.shape[1], clean.shape[2])
    do { try kind.validate(height: height, width: width) } catch {
      throw StageError.other("--kind \(error.description) (the images of \(images) are \(height) x \(width))")
    }
    let result = try Corrupter(kind: kind, seed: seed)
      .apply(to: clean.scalars, count: clean.itemCount, height: height, width: width, threads: threads)
    try Folders.create(out)
    try record.writing {
      try IDX.write(IDXArray(shape: clean.shape, scalars: result.images), to: outputs[0])
      try IDX.write(IDXArray(shape: clean.shape, scalars: result.mask), to: outputs[1])
      let hidden = result.mask.lazy.filter { $0 == 0 }.count
      try CorruptionSpec(
        corruption: kind, seed: seed, source: images, count: clean.itemCount,
        hiddenFraction: Double(hidden) / Double(max(result.mask.count, 1))
      ).write(to: outputs[2])
    }
    return .wrote(folder: out, count: clean.itemCount)
  }
}
