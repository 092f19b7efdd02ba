import ArgumentParser
import Foundation
import Reports
import Terminal

/// `vae-render`: draw a run's figures and an index.html report.
public struct RenderCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-render",
    abstract: "Draw a trained run's figures (PNG, SVG) and an index.html report that explains them.",
    discussion: """
      Writes into --out:
        triplets.png         clean, corrupted and restored test images in groups
                             of three rows (only with corrupted test images:
                             --test-input, or the run's own)
        reconstructions.png  clean test images and decode(mu(x)), in row pairs
        samples.png          10 x 10 images decoded from z ~ N(0, I)
        loss.svg             train and test loss per epoch, from <run>/log.csv
        loss-parts.svg       reconstruction and KL terms per epoch
        manifold.png         decode(z) over a 20 x 20 mesh of codes (latent size 2
                             only; --manifold-grid)
        latent-scatter.svg   the test set's mu coloured by label: both dimensions
                             for latent size 2, else the first two principal
                             components (needs test-labels.idx beside the images)
        interpolation.png    8 rows: test images 2k and 2k+1 with 10 decodes of the
                             straight line between their mu
        reconstructions-over-training.png
                             animated PNG, one frame per epoch, from
                             <run>/snapshots.idx (vae-train --snapshot-images)
        index.html           the figures with captions, the numbers of
                             <run>/metrics.json (if vae-eval wrote it), the
                             run's configuration and its log

      The grids show the first --count x --rows test images, --count per row. A second run with \
      the same inputs and options says (skipped).

      With --report DIR instead of --run: one page with a row for every run in DIR/runs (model, arch, \
      latent size, epochs, test ELBO, IW bound, PSNR/SSIM, judge accuracy, training time, \
      status), each linked to its page under DIR/render, written to DIR/report/index.html \
      (or --out). A run whose files cannot be read gets a row that says which file and why, \
      and a warning line.

      Example: vae-render --run artifacts/runs/denoise --count 12 --scale 3
      Example: vae-render --report artifacts
      """)

  @OptionGroup public var inputs: RunInputOptions

  @Option(help: "Output folder (default: artifacts/render/<last path component of --run>, or DIR/report with --report).")
  public var out: String?

  @Option(name: .customLong("report"), help: ArgumentHelp("Instead of rendering one run, write a table of every run in DIR/runs to DIR/report/index.html.", valueName: "DIR"))
  public var reportArtifacts: String?

  @Option(help: "Test images per grid row, 1...100.")
  public var count: Int = 10

  @Option(help: "Row groups (triplets, pairs) of test images per grid, 1...100.")
  public var rows: Int = 3

  @Option(help: "Integer upscale of every tile, 1...8 (grid lines stay 1 pixel wide).")
  public var scale: Int = 2

  @Option(help: "Codes of the 2-D manifold canvas: quantile (the 20 N(0, 1) quantiles (i + 0.5)/20 per axis) or linear (20 steps over [-4, 4]).")
  public var manifoldGrid: ManifoldGrid = .quantile

  @Option(help: "Another run (vae or cvae with a 2-D code) whose manifold canvas and latent scatter are drawn beside this 2-D VAE's.")
  public var beside: String?

  @Option(help: "Inpaint runs: another inpaint run (e.g. a deterministic baseline) whose fill is drawn as a column of completions.png.")
  public var baseline: String?

  @OptionGroup public var compute: ComputeOptions

  public init() {}

  public func validate() throws {
    if let reportArtifacts {
      if reportArtifacts.isEmpty { throw ValidationError("--report needs a folder, e.g. --report artifacts") }
      if !inputs.given.isEmpty {
        throw ValidationError("--report renders every run of a folder; it cannot be combined with \(inputs.given.joined(separator: ", "))")
      }
    }
    if !(1...100).contains(count) { throw ValidationError("--count must be 1...100, got \(count)") }
    if !(1...100).contains(rows) { throw ValidationError("--rows must be 1...100, got \(rows)") }
    if !RenderStage.scales.contains(scale) {
      throw ValidationError("--scale must be \(RenderStage.scales.lowerBound)...\(RenderStage.scales.upperBound), got \(scale)")
    }
  }

  public func run() throws {
    if let reportArtifacts {
      // "artifacts/" and "artifacts" name the same folder; keep paths in messages tidy.
      let trimmed = reportArtifacts.count > 1 && reportArtifacts.hasSuffix("/") ? String(reportArtifacts.dropLast()) : reportArtifacts
      return try report(artifacts: trimmed)
    }
    try StageError.reporting {
      var stage = RenderStage(
        run: inputs.run, checkpoint: inputs.checkpoint, data: inputs.data, testInput: inputs.testInput, out: out, count: count,
        rows: rows, scale: scale, seed: compute.seedValue, threads: compute.threadCount)
      stage.manifoldGrid = manifoldGrid
      stage.beside = beside
      stage.baseline = baseline
      let start = ProgressMeter.monotonicSeconds()
      switch try stage.run(warn: { Console.standard.warning("vae-render: warning: " + $0) }) {
      case let .skipped(folder):
        Console.standard.line("vae-render: \(folder) is up to date (skipped)")
      case let .wrote(folder, files):
        let seconds = ProgressMeter.seconds(ProgressMeter.monotonicSeconds() - start)
        Console.standard.line("vae-render: wrote \(files.joined(separator: ", ")) to \(folder) in \(seconds)")
        Console.standard.line("vae-render: open \(folder)/\(RenderStage.File.index)")
      }
    }
  }

  /// `--report`: the table of every run, with a warning line per unreadable run.
  func report(artifacts: String) throws {
    try StageError.reporting {
      let start = ProgressMeter.monotonicSeconds()
      let table = try RunTable.read(artifacts: artifacts) { RunTableRow.corruption(of: $0, artifacts: artifacts) }
      for row in table.rows where row.isDamaged {
        Console.standard.warning("vae-render: warning: \(row.folder) is unreadable: " + row.problems.map(\.description).joined(separator: "; "))
      }
      let path = try table.write(folder: out ?? RunTable.reportFolder(artifacts))
      let damaged = table.rows.filter(\.isDamaged).count
      let seconds = ProgressMeter.seconds(ProgressMeter.monotonicSeconds() - start)
      Console.standard.line(
        "vae-render: wrote \(path): \(table.rows.count) run\(table.rows.count == 1 ? "" : "s"), \(damaged) unreadable, in \(seconds)")
    }
  }
}

extension ManifoldGrid: ExpressibleByArgument {}
