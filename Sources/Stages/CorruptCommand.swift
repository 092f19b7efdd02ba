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
        square       side of a black square, 1...28 [10]; centred unless --random-place
        rectangles   number of black rectangles, 1...64 [3]; sides --min-size...--max-size
        half         (no level) the --side half is blacked out [bottom]
        band         width of a black band along --side as a fraction, 0...1 [0.3]
        mixed        (no level) one of the kinds above, at its default, drawn per image
      mask.idx holds 1 where a pixel is observed and 0 where it was hidden or replaced; \
      gaussian noise leaves every pixel observed. Image i is corrupted from its own random \
      stream (seed, i), so results do not depend on --threads.

      Example: vae-corrupt --images artifacts/data/mnist/test-images.idx --kind square --level 10 --out artifacts/corrupt/square-test
      """)

  @Option(help: "The images IDX to corrupt (N x 28 x 28, UInt8).")
  public var images: String = ArtifactPaths.data(.mnist) + "/test-images.idx"

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

  @Option(help: "Seed of the per-image random streams.")
  public var seed: UInt64 = 1

  @Option(help: "Threads to use (results do not depend on it).")
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

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
    func whole(_ value: Double, _ name: String) throws -> Int {
      guard value.rounded() == value, abs(value) < 1e6 else { throw ValidationError("--level for \(kind.rawValue) is a whole \(name), got \(value)") }
      return Int(value)
    }
    switch kind {
    case .gaussian: return .gaussian(sigma: level ?? 0.5)
    case .saltPepper: return .saltPepper(fraction: level ?? 0.25)
    case .zero: return .zero(fraction: level ?? 0.5)
    case .square: return .square(size: try whole(level ?? 10, "size"), centred: !randomPlace)
    case .rectangles: return .rectangles(count: try whole(level ?? 3, "count"), sizes: minSize...maxSize)
    case .half: return .half(side ?? .bottom)
    case .band: return .band(side ?? .right, fraction: level ?? 0.3)
    case .mixed: return .mixed(CorruptionKind.defaultMixture)
    }
  }

  public func validate() throws {
    if !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
    do { try corruption().validate(side: 28) } catch let error as CorruptionError {
      throw ValidationError("--kind \(error.description)")
    }
  }

  public func run() throws {
    try StageError.reporting {
      let stage = CorruptionStage(
        images: images, out: out ?? ArtifactPaths.corrupt(kind.rawValue), kind: try corruption(), seed: seed,
        threads: threads)
      switch try stage.run() {
      case let .skipped(folder): Console.standard.line("vae-corrupt: \(folder) is up to date with \(images) (skipped)")
      case let .wrote(folder, count):
        Console.standard.line("vae-corrupt: wrote \(count) corrupted images and masks to \(folder) (\(stage.kind.summary))")
      }
    }
  }
}

/// The work of `vae-corrupt`, apart from its command line.
public struct CorruptionStage: Sendable {
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
    let manifestPath = StageManifest.path(folder: out, stage: Self.stageName)
    if StageManifest.isUpToDate(at: manifestPath, stage: Self.stageName, options: options, inputs: [images], outputs: outputs) {
      return .skipped(folder: out)
    }
    let clean = try DigitSet.loadImages(path: images)
    let side = DigitSet.side
    let result = try Corrupter(kind: kind, seed: seed)
      .apply(to: clean.scalars, count: clean.itemCount, side: side, threads: threads)
    try Folders.create(out)
    // The manifest goes first so that a stage killed half-way never looks up to date.
    try? FileManager.default.removeItem(atPath: manifestPath)
    try IDX.write(IDXArray(shape: clean.shape, scalars: result.images), to: outputs[0])
    try IDX.write(IDXArray(shape: clean.shape, scalars: result.mask), to: outputs[1])
    let hidden = result.mask.lazy.filter { $0 == 0 }.count
    try CorruptionSpec(
      corruption: kind, seed: seed, source: images, count: clean.itemCount,
      hiddenFraction: Double(hidden) / Double(max(result.mask.count, 1))
    ).write(to: outputs[2])
    try StageManifest.stamping(stage: Self.stageName, options: options, inputs: [images], outputs: outputs)
      .write(to: manifestPath)
    return .wrote(folder: out, count: clean.itemCount)
  }
}
