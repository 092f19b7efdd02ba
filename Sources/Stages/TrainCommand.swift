import ArgumentParser
import Checkpoints
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Terminal


/// `vae-train`: train a VAE on IDX images and write checkpoints.
public struct TrainCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-train",
    abstract: "Train a VAE, CVAE or inpainting CVAE on IDX images and write config.json, log.csv and checkpoints to a run folder.",
    discussion: """
      The model is a VAE with Bernoulli (BCE) pixel likelihood on intensities in [0, 1] and a \
      standard normal prior; losses are nats per image. --arch mlp (the default) has dense layers \
      only (--hidden, default 400); --arch conv puts stride-2 convolutions (--channels, default \
      \(VAEConfig.defaultConvChannels.map(String.init).joined(separator: ","))) before the encoder's dense layers \
      (--hidden, default none) and transposed convolutions after the decoder's. With --input, the encoder sees a corrupted \
      copy of the training images (from vae-corrupt) while the decoder must reproduce the clean ones.

      --model cvae conditions encoder and decoder on the one-hot label (<data>/train-labels.idx \
      and test-labels.idx). --model inpaint conditions them on the observed part of the image (the \
      occluded image and its mask), drawing a fresh random occlusion (squares, rectangles, halves, \
      bands) for every image in every epoch; the encoder also sees the whole image.

      A checkpoint is written every --checkpoint-every steps, at every epoch end, and when SIGINT or \
      SIGTERM arrives (then the stage exits with 130 or 143). --resume continues bitwise exactly from \
      the newest valid checkpoint; options not given are taken from it, options that conflict with it \
      are refused, and --epochs may be raised to train further.

      Example: vae-train --data artifacts/data/mnist --run artifacts/runs/vae --epochs 10
      Example: vae-train --arch conv --channels 8,32 --run artifacts/runs/conv --epochs 10
      """)

  @Option(help: "Folder with train-images.idx and test-images.idx (from vae-decompress, or any folder of {train,test}-{images,labels}.idx) (default \(ArtifactPaths.data(.mnist)); on resume, as the run recorded).")
  public var data: String?

  @OptionGroup public var dataset: DatasetChoice

  @Option(name: .customLong("run"), help: "Run folder for config.json, log.csv and checkpoints/.")
  public var runFolder: String = ArtifactPaths.run("vae")

  @OptionGroup public var training: TrainingOptions

  @OptionGroup public var compute: ComputeOptions

  @Option(help: "Save decode(mu) of the first N test images (0...100) at each epoch end to <run>/snapshots.idx, for vae-render's animation (default 0; on resume, as the file holds).")
  public var snapshotImages: Int?

  @Flag(help: "Continue from the newest valid checkpoint in --run.")
  public var resume = false

  @Flag(help: "Start afresh in a --run folder that already holds a run, deleting its checkpoints and log.")
  public var force = false

  public init() {}

  public func validate() throws {
    if resume && force { throw ValidationError("--resume and --force contradict each other: pick one") }
    if let snapshotImages, !(0...ReconstructionSnapshots.maxImages).contains(snapshotImages) {
      throw ValidationError("--snapshot-images must be 0...\(ReconstructionSnapshots.maxImages), got \(snapshotImages)")
    }
  }

  public func run() throws {
    try StageError.reporting {
      let plan = try plan(console: .standard)
      let stage = TrainStage(plan: plan, trap: SignalTrap())
      switch try stage.run() {
      case let .finished(checkpoint):
        Console.standard.line("vae-train: trained \(runFolder) to \(plan.config.training.epochs) epochs; checkpoint \(checkpoint)")
      case let .alreadyDone(checkpoint):
        Console.standard.line("vae-train: \(runFolder) already has \(plan.config.training.epochs) epochs (\(checkpoint)); nothing to do (skipped)")
      case let .interrupted(signal, checkpoint):
        Console.standard.line(
          "vae-train: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM"); state saved to \(checkpoint); continue with --resume")
        throw ExitCode(SignalTrap.exitStatus(for: signal))
      }
    }
  }
}
