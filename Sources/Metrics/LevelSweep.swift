import Compute
import Corruptions
import DataFiles
import Foundation
import Runs

/// `vae-eval --levels`: how the model's restorations hold up as one corruption grows
/// stronger. The clean test images are corrupted at each level (the same `Corrupter` as
/// vae-corrupt, seeded), restored by the model, and scored against the clean images with
/// the corrupted input and its 3x3 median filter as baselines.
///
/// This is the plan and the measurement; vae-eval writes the rows as `levels.csv` and
/// plots them as `levels.svg` (Stages' `LevelSweep+Output.swift`).
public struct LevelSweep: Sendable {
  /// The images scored at each level.
  public enum Method: String, CaseIterable, Sendable {
    /// The model's restoration of the corrupted images (the filled image for an inpaint model).
    case restored
    /// The corrupted images as they are.
    case corrupted
    /// Their 3x3 median filter (borders replicated).
    case median3x3
  }

  /// The scores of one method at one level.
  public struct Row: Equatable, Sendable {
    public var level: Double
    /// The level as the CSV writes it: whole kinds (square, rectangles) without a fraction.
    public var levelText: String
    public var method: Method
    public var score: DenoiseScore
    /// The judge's accuracy on these images, with a judge.
    public var judge: Double?
  }

  /// The family swept, the levels (ascending), and the seed of the corruption.
  public var family: Family
  public var levels: [Double]
  public var seed: UInt64
  /// `spec.json` the family was read from, if it was.
  public var specPath: String?

  // MARK: - Plan

  /// The sweep of `levels` for `kind` if given, else for the kind in the `spec.json` beside the
  /// corrupted test input. With the spec's kind (or `kind` equal to it), the spec's other parameters
  /// and seed are kept, so the level the run was corrupted at gives back its test input exactly;
  /// otherwise the kind's defaults and `seed` are used.
  ///
  /// Throws `MetricError` (a usage fault) for a kind without a level, a level out of the
  /// kind's range, or no kind to sweep; `CorruptionError` for a spec.json that cannot be read
  /// when it is the only source of the kind.
  ///
  /// Levels are checked against images of `height` x `width` (the model's; 28 x 28 unless given).
  public static func plan(
    levels: [Double], kind: CorruptionKind.Name?, specPath: String?, testInput: String?, seed: UInt64,
    height: Int = DigitSet.side, width: Int = DigitSet.side
  ) throws -> LevelSweep {
    var family: Family
    var sweepSeed = seed
    var usedSpec: String?
    if let kind {
      // The spec's parameters and seed apply only to its own kind; any other spec is no concern here.
      if let specPath, let spec = try? Family.described(by: specPath), spec.family.kind == kind {
        (family, sweepSeed, usedSpec) = (spec.family, spec.seed, specPath)
      } else {
        family = try Family(kind: kind)
      }
    } else if let specPath {
      let spec = try Family.described(by: specPath)
      (family, sweepSeed, usedSpec) = (spec.family, spec.seed, specPath)
    } else {
      let why =
        testInput.map { "no spec.json beside \($0) says how it was corrupted" }
        ?? "the run has no corrupted test input"
      throw MetricError.noKind(why: why)
    }
    for level in levels { _ = try family.corruption(level: level, height: height, width: width) }
    return LevelSweep(family: family, levels: levels.sorted(), seed: sweepSeed, specPath: usedSpec)
  }

  /// Parses "0.1,0.3,0.5": at least one finite number, none twice.
  /// The most levels one sweep takes.
  public static let maxLevels = 100

  public static func parseLevels(_ text: String) throws(MetricError) -> [Double] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.contains(where: { !$0.isEmpty }) else {
      throw .noLevels
    }
    // Each level corrupts and restores the whole test set once.
    guard parts.count <= Self.maxLevels else { throw .tooManyLevels(parts.count, limit: Self.maxLevels) }
    var levels: [Double] = []
    for part in parts {
      guard let value = Double(part), value.isFinite else {
        throw .notANumber(part)
      }
      guard !levels.contains(value) else { throw .repeatedLevel(part) }
      levels.append(value)
    }
    return levels
  }

  // MARK: - Measuring

  /// Corrupts, restores and scores the test images at every level: rows in level order,
  /// restored, corrupted, median3x3 within a level.
  /// `labels` are needed by a cvae (its restorations are conditioned on them).
  /// `source` names the clean images' file in errors.
  public func measure(
    model: TrainedModel, clean: IDXArray<UInt8>, source: String, labels: [UInt8]?, judge: JudgeScoring?, threads: Int
  ) throws -> [Row] {
    let n = clean.itemCount
    let (height, width) = (model.dataset.height, model.dataset.width)
    guard clean.shape == [n, height, width] else {
      throw RunError.dataMismatch(
        path: source,
        reason: "the level sweep corrupts \(height)x\(width) images (the model's), found \(clean.shape.map(String.init).joined(separator: "x"))")
    }
    let parallel = Parallel(threads: threads)
    var rows: [Row] = []
    for level in levels {
      let corruption = try family.corruption(level: level, height: height, width: width)
      let result = try Corrupter(kind: corruption, seed: seed).apply(to: clean.scalars, count: n, height: height, width: width, threads: threads)
      let corrupted = result.images
      let restored = model.restoreAsItsKind(corrupted[...], masks: result.mask[...], labels: labels, count: n)
      let median = MedianFilter.median3x3(images: corrupted, count: n, width: width, height: height, parallel: parallel)
      let scores = DenoiseComparison.measure(
        restored: restored, corrupted: corrupted, median: median, clean: clean.scalars, count: n, height: height, width: width, parallel: parallel)
      // The judge's classifier has one set of work buffers, so it judges one set at a time.
      let judged: [(Method, DenoiseScore, Double?)] = [
        (.restored, scores.restored, judge?.accuracy(restored)),
        (.corrupted, scores.corrupted, judge?.accuracy(corrupted)),
        (.median3x3, scores.median3x3, judge?.accuracy(median)),
      ]
      for (method, score, accuracy) in judged {
        rows.append(Row(level: level, levelText: family.text(level), method: method, score: score, judge: accuracy))
      }
    }
    return rows
  }
}
