import DataFiles
import Foundation
import Metrics
import Runs
import Terminal

/// vae-eval --levels: the corruption-level sweep's record and run (see `LevelSweep`).
extension EvalStage {
  /// The sweep's record: the model, the test images, the spec.json it took its kind from, the
  /// labels a cvae restores under, the judge and its labels; the levels, family and seed.
  static func record(of sweep: LevelSweep, inputs: EvaluationInputs, judgeFiles: [String], folder: String) -> StageRecord {
    let labels = inputs.model.kind.run.needsLabels ? [JudgeScoring.labelsPath(testImages: inputs.testImagesPath)] : []
    return StageRecord(
      stage: LevelSweep.stageName, folder: folder,
      options: sweep.options.merging(["metrics": RunMetrics.currentFormat]) { $1 },
      inputs: Array(Set([inputs.model.path, inputs.testImagesPath] + [sweep.specPath].compactMap { $0 } + labels + judgeFiles)).sorted(),
      outputs: [LevelSweep.csvName, LevelSweep.svgName].map { folder + "/" + $0 })
  }

  /// Measures the sweep, writes levels.csv and levels.svg, and stamps its manifest.
  static func runSweep(
    _ sweep: LevelSweep, record: StageRecord, inputs: EvaluationInputs, images: EvaluationInputs.Images, judge: JudgeScoring?,
    threads: Int
  ) throws -> LevelSweep.Outcome {
    try record.writing {
      let start = ProgressMeter.monotonicSeconds()
      var labels: [UInt8]?
      if inputs.model.kind.run.needsLabels {
        let folder = FilePaths.parent(of: inputs.testImagesPath)
        labels = try DataLabels.read(
          folder: folder.isEmpty ? "." : folder, split: .test, images: images.count, classes: inputs.model.classCount)
      }
      let rows = try sweep.measure(
        model: inputs.model, clean: images.clean, source: inputs.testImagesPath, labels: labels, judge: judge, threads: threads)
      let seconds = ProgressMeter.monotonicSeconds() - start
      let folder = FilePaths.parent(of: record.outputs[0])
      let written = try sweep.write(rows, images: images.count, folder: folder.isEmpty ? "." : folder)
      return .wrote(csv: written.csv, svg: written.svg, rows: rows, seconds: seconds)
    }
  }
}
