import DataFiles
import Foundation
import Imaging
import Metrics
import Runs

/// vae-eval --levels: what the sweep writes beside the metrics file, `levels.csv` (one row
/// per level and method) and `levels.svg` (PSNR against the level, one line per method),
/// and what it prints. The plan and the measurement are `LevelSweep` (Metrics).
extension LevelSweep {
  /// What the sweep did.
  public enum Outcome: Sendable {
    /// `csv` was up to date with the same inputs and options.
    case skipped(csv: String)
    /// `seconds`: wall-clock time of the measurement (corrupting, restoring, scoring).
    case wrote(csv: String, svg: String, rows: [Row], seconds: Double)
  }

  public static let csvName = "levels.csv"
  public static let svgName = "levels.svg"
  /// The manifest's stage name: the sweep is skipped or re-run apart from metrics.json.
  static let stageName = "vae-eval-levels"

  /// The options that shape the sweep's outputs, for its manifest.
  var options: [String: String] {
    ["levels": levels.map(family.text).joined(separator: ","), "family": family.description, "seed": String(seed)]
  }

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
