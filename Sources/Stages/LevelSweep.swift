import ArgumentParser
import Compute
import Corruptions
import DataFiles
import Foundation
import Imaging
import Runs

/// `vae-eval --levels`: how the model's restorations hold up as one corruption grows
/// stronger. The clean test images are corrupted at each level (the same `Corrupter` as
/// vae-corrupt, seeded), restored by the model, and scored against the clean images with
/// the corrupted input and its 3x3 median filter as baselines.
///
/// Writes `levels.csv` (one row per level and method) and `levels.svg` (PSNR against
/// the level, one line per method) beside the metrics file.
public struct LevelSweep {
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

  /// What the sweep did.
  public enum Outcome: Sendable {
    /// `csv` was up to date with the same inputs and options.
    case skipped(csv: String)
    /// `seconds`: wall-clock time of the measurement (corrupting, restoring, scoring).
    case wrote(csv: String, svg: String, rows: [Row], seconds: Double)
  }

  /// The family swept, the levels (ascending), and the seed of the corruption.
  public var family: Family
  public var levels: [Double]
  public var seed: UInt64
  /// `spec.json` the family was read from, if it was.
  public var specPath: String?

  public static let csvName = "levels.csv"
  public static let svgName = "levels.svg"
  /// The manifest's stage name: the sweep is skipped or re-run apart from metrics.json.
  static let stageName = "vae-eval-levels"

  /// The options that shape the sweep's outputs, for its manifest.
  var options: [String: String] {
    ["levels": levels.map(family.text).joined(separator: ","), "family": family.description, "seed": String(seed)]
  }

  // MARK: - Plan

  /// The sweep of `levels` for `kind` if given, else for the kind in the `spec.json` beside the
  /// corrupted test input. With the spec's kind (or `kind` equal to it), the spec's other parameters
  /// and seed are kept, so the level the run was corrupted at gives back its test input exactly;
  /// otherwise the kind's defaults and `seed` are used.
  ///
  /// Throws `ValidationError` (a usage error) for a kind without a level, a level out of the
  /// kind's range, or no kind to sweep.
  public static func plan(levels: [Double], kind: CorruptCommand.Kind?, specPath: String?, testInput: String?, seed: UInt64) throws -> LevelSweep {
    var family: Family
    var sweepSeed = seed
    var usedSpec: String?
    if let kind {
      // The spec's parameters and seed apply only to its own kind; any other spec is no concern here.
      if let specPath, let spec = try? Family.described(by: specPath), spec.family.kind == kind {
        (family, sweepSeed, usedSpec) = (spec.family, spec.seed ?? seed, specPath)
      } else {
        family = try Family(kind: kind)
      }
    } else if let specPath {
      let spec = try Family.described(by: specPath)
      (family, sweepSeed, usedSpec) = (spec.family, spec.seed ?? seed, specPath)
    } else {
      let why =
        testInput.map { "no spec.json beside \($0) says how it was corrupted" }
        ?? "the run has no corrupted test input"
      throw ValidationError("--levels needs a corruption kind: \(why); choose one with --levels-kind")
    }
    for level in levels { _ = try family.corruption(level: level) }
    return LevelSweep(family: family, levels: levels.sorted(), seed: sweepSeed, specPath: usedSpec)
  }

  /// Parses "0.1,0.3,0.5": at least one finite number, none twice.
  public static func parseLevels(_ text: String) throws -> [Double] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.contains(where: { !$0.isEmpty }) else {
      throw ValidationError("--levels needs at least one level, e.g. --levels 0.1,0.3,0.5")
    }
    var levels: [Double] = []
    for part in parts {
      guard let value = Double(part), value.isFinite else {
        throw ValidationError("--levels: \"\(part)\" is not a number (give levels separated by commas, e.g. 0.1,0.3,0.5)")
      }
      guard !levels.contains(value) else { throw ValidationError("--levels lists \(part) twice") }
      levels.append(value)
    }
    return levels
  }

  // MARK: - Measuring

  /// Corrupts, restores and scores the test images at every level.
  /// `labels` are needed by a cvae (its restorations are conditioned on them).
  /// `source` names the clean images' file in errors.
  func measure(
    model: TrainedModel, clean: IDXArray<UInt8>, source: String, labels: [UInt8]?, judge: JudgeScoring?, threads: Int
  ) throws -> [Row] {
    let n = clean.itemCount
    let d = clean.itemSize
    let side = DigitSet.side
    guard clean.shape == [n, side, side] else {
      throw RunError.dataMismatch(
        path: source, reason: "the level sweep corrupts \(side)x\(side) images, found \(EvaluationInputs.shape(clean.shape))")
    }
    let parallel = Parallel(threads: threads)
    var rows: [Row] = []
    for level in levels {
      let corruption = try family.corruption(level: level)
      let result = try Corrupter(kind: corruption, seed: seed).apply(to: clean.scalars, count: n, side: side, threads: threads)
      let corrupted = result.images
      let restored: [Float]
      switch model.kind {
      case .vae: restored = model.restore(corrupted[...], count: n)
      case .cvae:
        guard let labels else { preconditionFailure("a cvae's restoration needs the test labels") }
        restored = model.restore(corrupted[...], labels: labels)
      case .inpaint: restored = model.inpaint(occluded: corrupted[...], masks: result.mask[...], count: n, latent: .priorMean)
      }
      let median = MedianFilter.median3x3(images: corrupted, count: n, width: side, height: side, parallel: parallel)
      // The three scores are independent; with SSIM each costs more than the restoration itself.
      let sets: [(method: Method, images: ScoredImages)] = [(.restored, .unit(restored)), (.corrupted, .bytes(corrupted)), (.median3x3, .bytes(median))]
      var scores = [DenoiseScore](repeating: DenoiseScore(mse: 0, psnr: 0), count: sets.count)
      scores.withUnsafeMutableBufferPointer { scores in
        parallel.forEachChunk(sets.count) { m in
          switch sets[m].images {
          case let .unit(values): scores[m] = DenoiseScore.measure(values, against: clean.scalars, count: n, size: d, width: side)
          case let .bytes(bytes): scores[m] = DenoiseScore.measure(bytes, against: clean.scalars, count: n, size: d, width: side)
          }
        }
      }
      // The judge's classifier has one set of work buffers, so it judges one set at a time.
      for (m, set) in sets.enumerated() {
        let accuracy: Double? =
          switch set.images {
          case let .unit(values): judge?.accuracy(values)
          case let .bytes(bytes): judge?.accuracy(bytes)
          }
        rows.append(Row(level: level, levelText: family.text(level), method: set.method, score: scores[m], judge: accuracy))
      }
    }
    return rows
  }

  /// A set of images to score: model outputs in [0, 1], or bytes.
  enum ScoredImages {
    case unit([Float])
    case bytes([UInt8])
  }

  // MARK: - Output

  /// levels.csv: a header row, then one row per level and method (levels ascending;
  /// restored, corrupted, median3x3 within a level). `judge` is empty without a judge.
  func csv(_ rows: [Row]) -> String {
    var lines = ["kind,level,method,mse,psnr,ssim,judge"]
    for row in rows {
      lines.append(
        [
          family.kind.rawValue, row.levelText, row.method.rawValue, String(format: "%.6f", row.score.mse),
          String(format: "%.4f", row.score.psnr), row.score.ssim.map { String(format: "%.6f", $0) } ?? "",
          row.judge.map { String(format: "%.6f", $0) } ?? "",
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// PSNR against the level, one line per method.
  func plot(_ rows: [Row], images: Int) -> LinePlot {
    let names: [Method: String] = [
      .restored: "restored by the model", .corrupted: "corrupted input", .median3x3: "3\u{00D7}3 median of the input",
    ]
    return LinePlot(
      title: "PSNR against the level of \(family.description)",
      xLabel: family.levelName, yLabel: "PSNR (dB), mean over \(images) test images",
      series: Method.allCases.enumerated().map { i, method in
        let mine = rows.filter { $0.method == method }
        return LinePlot.Series(
          name: names[method] ?? method.rawValue, x: mine.map(\.level), y: mine.map(\.score.psnr), colourIndex: i,
          dashed: method != .restored)
      })
  }

  /// Lines for the terminal: per level, each method's PSNR (and the judge's accuracy).
  static func summary(_ rows: [Row]) -> [String] {
    let judged = rows.contains { $0.judge != nil }
    var lines = [
      "  level sweep, PSNR in dB\(judged ? " (judge accuracy)" : ""):"
        + " restored / corrupted / median 3x3 of the corrupted input"
    ]
    let levels = rows.map(\.level).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
    for level in levels {
      let cells = Method.allCases.compactMap { method in
        rows.first { $0.level == level && $0.method == method }.map { row in
          RunMetrics.fixed(row.score.psnr, 2) + (row.judge.map { " (\(RunMetrics.fixed(100 * $0, 1))%)" } ?? "")
        }
      }
      let text = rows.first { $0.level == level }?.levelText ?? String(level)
      lines.append("    level \(text): " + cells.joined(separator: " / "))
    }
    return lines
  }

  /// Writes levels.csv and levels.svg into `folder` (atomically).
  func write(_ rows: [Row], images: Int, folder: String) throws -> (csv: String, svg: String) {
    let csvPath = folder + "/" + Self.csvName
    let svgPath = folder + "/" + Self.svgName
    try AtomicFile.write(text: csv(rows), to: csvPath)
    try plot(rows, images: images).writeSVG(to: svgPath)
    return (csvPath, svgPath)
  }
}
