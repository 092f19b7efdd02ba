import DataFiles
import Foundation

/// vae-eval --levels: the corruption-level sweep's record and run (see `LevelSweep`).
extension EvaluationStage {
  /// What the sweep's manifest records, and where it lives.
  struct SweepRecord {
    var manifest: String
    var options: [String: String]
    var inputs: [String]
    /// levels.csv, levels.svg.
    var outputs: [String]

    var isUpToDate: Bool {
      StageManifest.isUpToDate(at: manifest, stage: LevelSweep.stageName, options: options, inputs: inputs, outputs: outputs)
    }
  }

  /// The sweep's record: the model, the test images, the spec.json it took its kind from, the
  /// labels a cvae restores under, the judge and its labels; the levels, family and seed.
  static func record(of sweep: LevelSweep, inputs: EvaluationInputs, judgeFiles: [String], folder: String) -> SweepRecord {
    let labels = inputs.model.kind == .cvae ? [JudgeScoring.labelsPath(testImages: inputs.testImagesPath)] : []
    return SweepRecord(
      manifest: StageManifest.path(folder: folder, stage: LevelSweep.stageName),
      options: sweep.options.merging(["metrics": RunMetrics.currentFormat]) { $1 },
      inputs: Array(Set([inputs.model.path, inputs.testImagesPath] + [sweep.specPath].compactMap { $0 } + labels + judgeFiles)).sorted(),
      outputs: [LevelSweep.csvName, LevelSweep.svgName].map { folder + "/" + $0 })
  }

  /// Measures the sweep, writes levels.csv and levels.svg, and stamps its manifest.
  static func runSweep(
    _ sweep: LevelSweep, record: SweepRecord, inputs: EvaluationInputs, images: EvaluationInputs.Images, judge: JudgeScoring?,
    threads: Int
  ) throws -> LevelSweep.Outcome {
    // The old manifest goes first so that a sweep killed half-way never looks up to date.
    try? FileManager.default.removeItem(atPath: record.manifest)
    let start = Progress.monotonicSeconds()
    var labels: [UInt8]?
    if inputs.model.kind == .cvae {
      let folder = FilePaths.parent(of: inputs.testImagesPath)
      labels = try TrainingSession.labels(folder: folder.isEmpty ? "." : folder, split: .test, images: images.count)
    }
    let rows = try sweep.measure(
      model: inputs.model, clean: images.clean, source: inputs.testImagesPath, labels: labels, judge: judge, threads: threads)
    let seconds = Progress.monotonicSeconds() - start
    let folder = FilePaths.parent(of: record.outputs[0])
    let written = try sweep.write(rows, images: images.count, folder: folder.isEmpty ? "." : folder)
    try StageManifest.stamping(stage: LevelSweep.stageName, options: record.options, inputs: record.inputs, outputs: record.outputs)
      .write(to: record.manifest)
    return .wrote(csv: written.csv, svg: written.svg, rows: rows, seconds: seconds)
  }
}
