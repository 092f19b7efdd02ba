import ArgumentParser
import Foundation

/// `vae-eval`: measure a trained model on the test set and write metrics.json.
public struct EvalCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-eval",
    abstract: "Measure a checkpoint on the test set (ELBO, and denoising MSE/PSNR) and write metrics.json.",
    discussion: """
      Always: the negative ELBO of the clean test images (total, reconstruction and KL, nats per image). \
      With corrupted test images (--test-input, or the run's own): the mean over images of MSE and PSNR \
      (intensities in [0, 1], peak 1, PSNR capped at 100 dB) against the clean images for the model's \
      restoration decode(mu(corrupted)), for the corrupted input itself, and for a 3x3 median filter of \
      the input (borders replicated); and the ELBO of the corrupted input with the clean images as target.

      A cvae's ELBO conditions on <data>/test-labels.idx. An inpaint model needs occluded test images \
      (--test-input) and their masks (--test-mask, default mask.idx beside them); it adds MSE and PSNR \
      inside the hole only (mask 0) for the model with z = 0 and with z = mu(occluded), for the plain \
      VAE of --compare-run given the same occluded input, and for the mean training image.

      The metrics are printed and written to --out as JSON (keys in docs/STAGES.md). A second \
      run with the same checkpoint, files and seed prints the stored metrics and says (skipped).

      Example: vae-eval --run artifacts/runs/denoise
      """)

  @Option(name: .customLong("run"), help: "Run folder (from vae-train) whose newest valid checkpoint is evaluated (default: the run holding --checkpoint, else artifacts/runs/vae).")
  public var runFolder: String?

  @Option(help: "A checkpoint file to evaluate instead of the run's newest valid one.")
  public var checkpoint: String?

  @Option(help: "Folder with test-images.idx (default: the data folder the run was trained on).")
  public var data: String?

  @Option(help: "Corrupted copy of the test images, from vae-corrupt (default: the run's --test-input, if any).")
  public var testInput: String?

  @Option(help: "Masks of the occluded test images for an inpaint model, 1 observed / 0 hidden (default: mask.idx beside --test-input).")
  public var testMask: String?

  @Option(help: "A plain VAE run to score on the same occluded images, inside the hole (inpaint models).")
  public var compareRun: String?

  @Option(help: "Where to write the metrics (default: <run>/metrics.json).")
  public var out: String?

  @Option(help: "Threads for BLAS and the kernels.")
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Seed of the latent samples drawn for the ELBO.")
  public var seed: UInt64 = 1

  @Option(help: "Also bound -log p(x) of the clean test images by importance weighting with K latent samples per image (vae: log p(x); cvae: log p(x | label); not for inpaint; off when not given).")
  public var iwSamples: Int?

  public init() {}

  public func validate() throws {
    if !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
    if let iwSamples, iwSamples < 1 {
      throw ValidationError("--iw-samples must be at least 1, got \(iwSamples) (leave it out to skip the bound)")
    }
  }

  public func run() throws {
    try StageError.reporting {
      var stage = EvaluationStage(
        run: EvaluationInputs.runFolder(given: runFolder, checkpoint: checkpoint), checkpoint: checkpoint, data: data, testInput: testInput, out: out, threads: threads, seed: seed)
      stage.testMask = testMask
      stage.compareRun = compareRun
      stage.iwSamples = iwSamples
      let outcome = try stage.run { Console.standard.line("vae-eval: warning: " + $0) }
      switch outcome {
      case let .skipped(path, metrics):
        Console.standard.line("vae-eval: \(path) is up to date with \(metrics.checkpoint) (skipped)")
        for line in metrics.summary() { Console.standard.line(line) }
      case let .wrote(path, metrics):
        Console.standard.line(
          "vae-eval: \(metrics.checkpoint) on \(metrics.testImageCount) test images in \(Progress.seconds(metrics.seconds))")
        for line in metrics.summary() { Console.standard.line(line) }
        Console.standard.line("vae-eval: wrote \(path)")
      }
    }
  }
}
