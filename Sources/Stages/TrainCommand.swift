import ArgumentParser
import Checkpoints
import DataFiles
import Foundation
import Models

extension Activation: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}

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

      --model cvae conditions encoder and decoder on the one-hot digit label (<data>/train-labels.idx \
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

  @Option(help: "Folder with train-images.idx and test-images.idx (from vae-decompress).")
  public var data: String = ArtifactPaths.data(.mnist)

  @Option(name: .customLong("model"), help: "Model: vae, cvae (conditioned on the digit label) or inpaint (conditioned on the observed pixels) (default vae).")
  public var kind: ModelKind?

  @Option(help: "Corrupted copy of the training images to feed the encoder (denoising); targets stay clean.")
  public var input: String?

  @Option(help: "Corrupted copy of the test images for the test loss (denoising).")
  public var testInput: String?

  @Option(name: .customLong("run"), help: "Run folder for config.json, log.csv and checkpoints/.")
  public var runFolder: String = ArtifactPaths.run("vae")

  @Option(help: "Hidden layer sizes of the encoder, comma-separated, or none (conv only); the decoder mirrors them (default 400 for mlp, none for conv).")
  public var hidden: String?

  @Option(help: "Layer family: mlp (dense layers) or conv (convolutions, then dense layers) (default mlp).")
  public var arch: Architecture?

  @Option(help: "With --arch conv: output channels of the encoder's stride-2 convolutions, comma-separated; the decoder mirrors them (default \(VAEConfig.defaultConvChannels.map(String.init).joined(separator: ","))).")
  public var channels: String?

  @Option(help: "Size of the latent code z (default 20).")
  public var latent: Int?

  @Option(help: "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default relu).")
  public var activation: Activation?

  @Option(help: "Dropout rate on hidden layers, 0 to below 1 (default 0).")
  public var dropout: Float?

  @Option(help: "Images per training step (default 128).")
  public var batch: Int?

  @Option(help: "Epochs to train in all, counting those already done when resuming (default 10).")
  public var epochs: Int?

  @Option(help: "Adam's learning rate (default 0.001).")
  public var learningRate: Float?

  @Option(help: "Weight of the KL term; 1 gives the ELBO (default 1).")
  public var beta: Float?

  @Option(help: "Epochs over which the KL weight ramps up from 0 (default 0: no warm-up).")
  public var klWarmup: Float?

  @Option(help: "Seed for initial weights, data order, dropout and sampling (default 1).")
  public var seed: UInt64?

  @Option(help: "Threads for BLAS and the kernels; results are bitwise reproducible per count (default: all cores).")
  public var threads: Int?

  @Option(help: "Train on the first N training images only (quick runs).")
  public var limit: Int?

  @Option(help: "Write a checkpoint every N steps as well as at each epoch end (0: epoch ends only).")
  public var checkpointEvery: Int = 500

  @Option(help: "How many checkpoints to keep; older ones are deleted.")
  public var keep: Int = 3

  @Option(help: "Save decode(mu) of the first N test images (0...100) at each epoch end to <run>/snapshots.idx, for vae-render's animation (default 0; on resume, as the file holds).")
  public var snapshotImages: Int?

  @Flag(help: "Continue from the newest valid checkpoint in --run.")
  public var resume = false

  @Flag(help: "Start afresh in a --run folder that already holds a run, deleting its checkpoints and log.")
  public var force = false

  public init() {}

  public func validate() throws {
    if resume && force { throw ValidationError("--resume and --force contradict each other: pick one") }
    if let latent, !(1...1024).contains(latent) { throw ValidationError("--latent must be 1...1024, got \(latent)") }
    if let dropout, !(0..<1).contains(dropout) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
    if let batch, !(1...65536).contains(batch) { throw ValidationError("--batch must be 1...65536, got \(batch)") }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
    if let learningRate, !(learningRate > 0 && learningRate < 10) { throw ValidationError("--learning-rate must be in (0, 10), got \(learningRate)") }
    if let beta, !(beta >= 0 && beta.isFinite) { throw ValidationError("--beta must be 0 or more, got \(beta)") }
    if let klWarmup, !(klWarmup >= 0 && klWarmup.isFinite) { throw ValidationError("--kl-warmup must be 0 or more, got \(klWarmup)") }
    if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
    if let snapshotImages, !(0...ReconstructionSnapshots.maxImages).contains(snapshotImages) {
      throw ValidationError("--snapshot-images must be 0...\(ReconstructionSnapshots.maxImages), got \(snapshotImages)")
    }
    if keep < 1 { throw ValidationError("--keep must be at least 1, got \(keep)") }
    _ = try hiddenSizes()
    _ = try channelCounts()
    if kind == .inpaint, input != nil || testInput != nil {
      throw ValidationError("--model inpaint makes its own occlusions; --input and --test-input do not apply")
    }
  }

  func hiddenSizes() throws -> [Int]? {
    guard let hidden else { return nil }
    if hidden == "none" { return [] }
    // Empty entries ("400,,400", "400,") are refused, not skipped.
    let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && (1...8192).contains($0!) }) else {
      throw ValidationError("--hidden must be comma-separated sizes 1...8192, e.g. 512,256, or none; got \"\(hidden)\"")
    }
    return sizes.compactMap { $0 }
  }

  func channelCounts() throws -> [Int]? {
    guard let channels else { return nil }
    let counts = channels.split(separator: ",", omittingEmptySubsequences: false).map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...VAEConfig.maxChannels).contains($0!) }) else {
      throw ValidationError("--channels must be comma-separated channel counts 1...\(VAEConfig.maxChannels), e.g. 16,32; got \"\(channels)\"")
    }
    // Each stride-2 convolution halves the side exactly, and MNIST images are 28 x 28.
    let side = DigitSet.side
    guard side % (1 << min(counts.count, 20)) == 0 else {
      throw ValidationError(
        "--channels \(channels): \(counts.count) stride-2 convolutions need an image side divisible by \(1 << min(counts.count, 20)), but the images are \(side) x \(side) (at most 2 convolutions)")
    }
    return counts.compactMap { $0 }
  }

  /// The run config these flags ask for, on top of `base` (defaults, or the checkpoint's when resuming).
  func config(over base: RunConfig) throws -> RunConfig {
    var config = base
    if let kind { config.kind = kind }
    config.model.condition = config.kind.conditionWidth(pixels: config.model.inputSize)
    if let arch, arch != config.model.arch {
      // Each family has its own default dense layers.
      config.model.arch = arch
      config.model.hidden = arch == .conv ? VAEConfig.defaultConvHidden : VAEConfig.bench.hidden
    }
    if let sizes = try hiddenSizes() { config.model.hidden = sizes }
    if let counts = try channelCounts() { config.model.channels = counts }
    if let latent { config.model.latent = latent }
    if let activation { config.model.activation = activation }
    if let dropout { config.model.dropout = dropout }
    if let batch { config.training.batchSize = batch }
    if let epochs { config.training.epochs = epochs }
    if let learningRate { config.training.learningRate = learningRate }
    if let beta { config.training.beta = beta }
    if let klWarmup { config.training.klWarmupEpochs = klWarmup }
    if let seed { config.training.seed = seed }
    if let threads { config.training.threads = threads }
    if let limit { config.limit = limit }
    if let input { config.input = input }
    if let testInput { config.testInput = testInput }
    return config
  }

  /// Flags that only make sense for the other layer family are usage errors.
  func checkArchitecture(_ config: RunConfig) throws {
    guard config.model.arch == .mlp else { return }
    if channels != nil { throw ValidationError("--channels applies to --arch conv; this run is --arch mlp") }
    if config.model.hidden.isEmpty { throw ValidationError("--hidden none applies to --arch conv; an mlp needs one or more hidden layers") }
  }

  public func run() throws {
    try StageError.reporting {
      let folder = TrainingSession.Folder(path: runFolder)
      let defaults = RunConfig(
        model: VAEConfig(), training: TrainingConfig(threads: ProcessInfo.processInfo.activeProcessorCount), data: data)
      var config = try config(over: defaults)
      var resumeFrom: (checkpoint: TrainingCheckpoint, path: String)?
      if resume {
        let found = try folder.checkpoints.newestValid()
        for rejected in found.rejected {
          Console.standard.line("vae-train: warning: skipping \(rejected.path): \(rejected.reason)")
        }
        let stored = try TrainingCheckpoint.config(of: found.file, source: found.path)
        var wanted = try self.config(over: stored)
        if data != stored.data, data != ArtifactPaths.data(.mnist) { wanted.data = data }
        let conflicts = stored.conflicts(with: wanted)
        guard conflicts.isEmpty else {
          throw StageError.conflictingOptions(path: found.path, conflicts: conflicts)
        }
        config = wanted
        try checkArchitecture(config)
        do { try config.model.validate() } catch { throw StageError.badConfig(path: found.path, reason: "\(error)") }
        let layout = ParameterSet(VAE.tensorLayout(config.model))
        let checkpoint = try TrainingCheckpoint.decode(found.file, layout: layout.entries, count: layout.count, source: found.path)
        resumeFrom = (checkpoint, found.path)
      } else {
        try checkArchitecture(config)
      }
      if !resume, folder.holdsRun {
        guard force else { throw StageError.runExists(path: runFolder) }
        for (_, path) in try folder.checkpoints.list() { try? FileManager.default.removeItem(atPath: path) }
        try? FileManager.default.removeItem(atPath: folder.log)
      }
      try Folders.create(runFolder)
      let trap = SignalTrap()
      let session = TrainingSession(config: config, folder: folder, checkpointEvery: checkpointEvery, keep: keep, trap: trap)
      session.snapshotImages = snapshotImages
      switch try session.run(resume: resumeFrom) {
      case let .finished(checkpoint):
        Console.standard.line("vae-train: trained \(runFolder) to \(config.training.epochs) epochs; checkpoint \(checkpoint)")
      case let .alreadyDone(checkpoint):
        Console.standard.line("vae-train: \(runFolder) already has \(config.training.epochs) epochs (\(checkpoint)); nothing to do (skipped)")
      case let .interrupted(signal, checkpoint):
        Console.standard.line(
          "vae-train: stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM"); state saved to \(checkpoint); continue with --resume")
        throw ExitCode(SignalTrap.exitStatus(for: signal))
      }
    }
  }
}
