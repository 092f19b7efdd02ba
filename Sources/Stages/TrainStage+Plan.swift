import ArgumentParser
import Checkpoints
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Terminal

extension TrainStage {
  /// What one `vae-train` will do, settled before anything is written: the
  /// run config (fresh, or the checkpoint's with the new flags applied and
  /// checked), the checkpoint to continue from, and the cadence.
  public struct Plan {
    /// A decoded checkpoint to continue from, and its path.
    public struct Resumption {
      public var checkpoint: TrainingCheckpoint
      public var path: String
    }

    public var config: RunConfig
    public var folder: RunFolder
    public var resumeFrom: Resumption?
    /// Start over in a folder that holds a run, removing its checkpoints and log.
    public var force = false
    /// Test images whose reconstructions are saved at each epoch end; nil: as the
    /// snapshots file holds on resume, none otherwise.
    public var snapshotImages: Int?

    /// Steps between periodic checkpoints (0: epoch ends only).
    public var checkpointEvery: Int { config.checkpointEvery ?? RunConfig.defaultCheckpointEvery }
    /// How many checkpoints the run keeps.
    public var keep: Int { config.keep ?? RunConfig.defaultKeep }
  }
}

extension TrainCommand {
  /// The plan these flags ask for; every combination is checked here, before any file is written.
  func plan(console: Console) throws -> TrainStage.Plan {
    let folder = RunFolder(path: runFolder)
    let dataFolder = data != nil || dataset.name != nil ? try dataset.folder(data: data) : nil
    let flags = try training.flags(compute: compute, data: dataFolder)
    var plan: TrainStage.Plan
    if resume {
      plan = try resumption(of: folder, flags: flags, console: console)
    } else {
      var defaults = RunConfig(
        model: VAEConfig(), training: TrainingConfig(threads: ComputeOptions.allCores), data: dataFolder ?? ArtifactPaths.data(.mnist))
      (defaults.checkpointEvery, defaults.keep) = (RunConfig.defaultCheckpointEvery, RunConfig.defaultKeep)
      // The data set decides the image size and the classes, so it is read before the flags are applied.
      let descriptor = try DatasetDescriptor.read(folder: defaults.data)
      defaults.dataset = descriptor
      defaults.model.inputSize = descriptor.pixels
      let config = TrainingOptions.apply(flags, to: defaults)
      try training.checkArchitecture(config)
      if folder.holdsRun, !force { throw StageError.runExists(path: runFolder) }
      plan = TrainStage.Plan(config: config, folder: folder, force: force)
    }
    // Snapshots are decode(mu(x)) of a plain VAE; a conditional model has no condition-free reconstruction.
    if !plan.config.kind.run.reconstructsFromImageAlone, let snapshotImages, snapshotImages > 0 {
      throw StageError.other("--snapshot-images records plain VAE reconstructions; \(runFolder) is a \(plan.config.kind.rawValue) run")
    }
    plan.snapshotImages = snapshotImages
    return plan
  }

  /// The plan for `--resume`: the newest valid checkpoint, its config with the flags applied, no conflicts.
  private func resumption(of folder: RunFolder, flags: [ConfigFlag], console: Console) throws -> TrainStage.Plan {
    let found: RunCheckpoint, rejected: [(path: String, reason: String)]
    do {
      (found, rejected) = try RunCheckpoint.newest(in: folder)
    } catch CheckpointError.noCheckpoints where FileManager.default.fileExists(atPath: folder.config) {
      return try restart(of: folder, flags: flags, console: console)
    }
    for rejected in rejected {
      console.warning("vae-train: warning: skipping \(rejected.path): \(rejected.reason)")
    }
    let stored = found.config
    var wanted = TrainingOptions.apply(flags, to: stored)
    let conflicts = ConfigFlag.conflicts(flags, stored: stored, wanted: wanted)
    guard conflicts.isEmpty else { throw StageError.conflictingOptions(path: found.path, conflicts: conflicts) }
    // Cadence and retention do not change the numbers: a new value is applied, and said so.
    for (flag, recorded, given) in [
      ("--checkpoint-every", stored.checkpointEvery, training.checkpointEvery), ("--keep", stored.keep, training.keep),
    ] {
      if let recorded, let given, recorded != given {
        console.line("vae-train: \(flag) \(given) replaces the run's \(recorded) from here on")
      }
    }
    wanted.checkpointEvery = wanted.checkpointEvery ?? RunConfig.defaultCheckpointEvery
    wanted.keep = wanted.keep ?? RunConfig.defaultKeep
    try training.checkArchitecture(wanted)
    let checkpoint = try found.trainingState()
    // The environment picks the kernels, not the user: warn rather than refuse (see docs/ARCHITECTURE-numerics.md).
    if let mismatch = checkpoint.kernelMismatch(running: Parallel(threads: 1).gemmKernelsName) {
      console.warning("vae-train: warning: \(found.path): \(mismatch)")
    }
    return TrainStage.Plan(config: wanted, folder: folder, resumeFrom: .init(checkpoint: checkpoint, path: found.path))
  }

  /// The plan for `--resume` of a run stopped before its first checkpoint: its config.json
  /// (with the flags applied and checked), trained again from step 0 with the same seed,
  /// which is what an uninterrupted run does.
  private func restart(of folder: RunFolder, flags: [ConfigFlag], console: Console) throws -> TrainStage.Plan {
    let text = String(decoding: try FileReader.contents(of: folder.config), as: UTF8.self)
    let stored = try RunConfig.parse(text, source: folder.config)
    let wanted = TrainingOptions.apply(flags, to: stored)
    let conflicts = ConfigFlag.conflicts(flags, stored: stored, wanted: wanted)
    guard conflicts.isEmpty else { throw StageError.conflictingOptions(path: folder.config, conflicts: conflicts) }
    try training.checkArchitecture(wanted)
    console.line("vae-train: \(folder.path) stopped before its first checkpoint; training it again from step 0 with its config.json")
    return TrainStage.Plan(config: wanted, folder: folder, force: true)
  }
}
