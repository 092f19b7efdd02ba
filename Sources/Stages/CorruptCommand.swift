import ArgumentParser
import Corruptions
import DataFiles
import Foundation
import Runs
import Terminal

extension CorruptionKind.Side: ExpressibleByArgument {}
extension CorruptionKind.Name: ExpressibleByArgument {}

/// `vae-corrupt`: add noise or occlusions to an images IDX, with the mask of what was hidden.
public struct CorruptCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-corrupt",
    abstract: "Corrupt an images IDX with noise or occlusions; write images.idx, mask.idx and spec.json.",
    discussion: """
      Kinds and what --level means for each (default in brackets):
        gaussian     sigma of additive noise on [0, 1] intensities, 0...2 [0.5]
        salt-pepper  fraction of pixels set to 0 or 255, 0...1 [0.25]
        zero         fraction of pixels set to 0, 0...1 [0.5]
        square       side of a black square, 1 to the shorter image side (28 for MNIST) [10]; centred unless --random-place
        rectangles   number of black rectangles, 1...64 [3]; sides --min-size...--max-size
        half         (no level) the --side half is blacked out [bottom]
        band         width of a black band along --side as a fraction, 0...1 [0.3]
        mixed        (no level) one of the kinds above, at its default, drawn per image
      mask.idx holds 1 where a pixel is observed and 0 where it was hidden or replaced; \
      gaussian noise leaves every pixel observed. Image i is corrupted from its own random \
      stream (seed, i), so results do not depend on --threads.

      Example: vae-corrupt --images artifacts/data/mnist/test-images.idx --kind square --level 10 --out artifacts/corrupt/square-test
      """)

  @Option(help: "The images IDX to corrupt (N x H x W, UInt8) (default: the test images of --dataset, artifacts/data/mnist/test-images.idx).")
  public var images: String?

  @OptionGroup public var dataset: DatasetChoice

  @Option(help: "Output folder for images.idx, mask.idx and spec.json (default: artifacts/corrupt/<kind>).")
  public var out: String?

  @Option(help: "Corruption kind: \(CorruptionKind.Name.allCases.map(\.rawValue).joined(separator: ", ")).")
  public var kind: CorruptionKind.Name = .gaussian

  @Option(help: "Strength of the corruption; its meaning and range depend on --kind (see above).")
  public var level: Double?

  @Option(help: "Side for half and band: top, bottom, left, right.")
  public var side: CorruptionKind.Side?

  @Option(help: "Smallest rectangle side for rectangles.")
  public var minSize: Int = 4

  @Option(help: "Largest rectangle side for rectangles.")
  public var maxSize: Int = 10

  @Flag(help: "Place the square at a random position in each image instead of the centre.")
  public var randomPlace = false

  @OptionGroup public var compute: ComputeOptions

  public init() {}

  /// The corruption these flags describe.
  public func corruption() throws -> CorruptionKind {
    if level != nil, kind == .half || kind == .mixed {
      throw ValidationError("--level does not apply to --kind \(kind.rawValue)")
    }
    if side != nil, kind != .half, kind != .band {
      throw ValidationError("--side applies to half and band only")
    }
    guard minSize <= maxSize else { throw ValidationError("--min-size \(minSize) is larger than --max-size \(maxSize)") }
    guard let corruption = kind.corruption(level: level, centred: !randomPlace, sizes: minSize...maxSize, side: side) else {
      throw ValidationError("--level for \(kind.rawValue) is a whole \(kind == .square ? "size" : "count"), got \(level ?? 0)")
    }
    return corruption
  }

  public func validate() throws {
    // Sizes are checked against the images when they are read; here, against 28 x 28 unless another data set is named.
    let side = images == nil && dataset.name == nil ? DigitSet.side : DatasetDescriptor.maxSide
    do { try corruption().validate(side: side) } catch let error as CorruptionError {
      throw ValidationError("--kind \(error.description)")
    }
  }

  public func run() throws {
    try StageError.reporting {
      if images != nil, dataset.name != nil { throw ValidationError("give --dataset or --images, not both") }
      let images = try images ?? (dataset.folder(data: nil) + "/test-images.idx")
      let stage = CorruptStage(
        images: images, out: out ?? ArtifactPaths.corrupt(kind.rawValue), kind: try corruption(), seed: compute.seedValue,
        threads: compute.threadCount)
      switch try stage.run() {
      case let .skipped(folder): Console.standard.line("vae-corrupt: \(folder) is up to date with \(images) (skipped)")
      case let .wrote(folder, count):
        Console.standard.line("vae-corrupt: wrote \(count) corrupted images and masks to \(folder) (\(stage.kind.summary))")
      }
    }
  }
}
