import Checkpoints
import Foundation
import Models

/// A checkpoint opened once: read, CRC-checked, its run config parsed and
/// validated, and its training position read. Resume, eval, render and the
/// report all start from this value, so no stage reads or checks a file twice.
///
/// Every fault is a `RunError.badCheckpoint` or `.badConfig` naming the file
/// and, where it applies, the tensor or metadata key, what was expected and
/// what was found.
public struct RunCheckpoint {
  /// Where in training a checkpoint was written.
  public struct Position: Equatable, Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Steps into the epoch after those (0 at an epoch end).
    public var stepInEpoch: Int
    /// Steps since the start of training.
    public var globalStep: Int

    public init(epoch: Int, stepInEpoch: Int, globalStep: Int) {
      self.epoch = epoch
      self.stepInEpoch = stepInEpoch
      self.globalStep = globalStep
    }

    /// "after 5 epochs (step 2345)" or "after 2 epochs and 40 steps (step 278)".
    public var description: String {
      let epochs = "\(epoch) epoch\(epoch == 1 ? "" : "s")"
      let steps = stepInEpoch == 0 ? "" : " and \(stepInEpoch) step\(stepInEpoch == 1 ? "" : "s")"
      return "after \(epochs)\(steps) (step \(globalStep))"
    }
  }

  /// The file's path, as the stage named it.
  public let path: String
  /// The decoded safetensors file.
  public let file: SafeTensorsFile
  /// The run config in the file's metadata.
  public let config: RunConfig
  /// The model's tensor layout, as the config describes it.
  public let layout: ParameterSet
  /// The training position; nil for a weights-only export.
  public let position: Position?
  /// The model's parameters, flat in `layout` order (checked: every name, shape and value).
  public let parameterValues: [Float]
  /// The whole training state; nil for a weights-only export.
  public let training: TrainingCheckpoint?

  /// True when the file holds the whole training state (not an export).
  public var holdsTrainingState: Bool { file.metadata["content"] == "training" }

  /// Checks an already read `file` (from `path`).
  public init(file: SafeTensorsFile, path: String) throws {
    self.path = path
    self.file = file
    config = try TrainingCheckpoint.config(of: file, source: path)
    do { try config.model.validate() } catch { throw RunError.badConfig(path: path, reason: "\(error)") }
    layout = ParameterSet(VAE.tensorLayout(config.model))
    try TrainingCheckpoint.checkSchema(file, config: config, layout: layout, path: path)
    position = try TrainingCheckpoint.position(of: file, source: path)
    if file.metadata["content"] == "training" {
      let state = try TrainingCheckpoint.decode(file, layout: layout.entries, count: layout.count, source: path)
      try state.validateState(path: path)
      (training, parameterValues) = (state, state.parameters)
    } else {
      (training, parameterValues) = (nil, try TrainingCheckpoint.flatten(file, layout: layout.entries, count: layout.count, source: path))
    }
    try TrainingCheckpoint.checkFinite(parameterValues, "parameter", path: path)
  }

  /// Reads and checks the checkpoint at `path` (its CRC-32 must be present and match).
  public static func open(_ path: String) throws -> RunCheckpoint {
    try RunCheckpoint(file: try SafeTensorsFile.read(from: path, requireChecksum: true), path: path)
  }

  /// The newest checkpoint of `run` that opens, and the newer ones skipped, with why.
  public static func newest(in run: RunFolder) throws -> (checkpoint: RunCheckpoint, rejected: [(path: String, reason: String)]) {
    let found = try run.checkpoints.newestValid()
    var rejected = found.rejected
    // newestValid has checked the CRC of `found`; a file that reads but does not decode is skipped the same way.
    do {
      return (try RunCheckpoint(file: found.file, path: found.path), rejected)
    } catch {
      rejected.append((found.path, "\(error)"))
    }
    for candidate in try run.checkpoints.list().reversed() where candidate.step < found.step {
      do {
        return (try open(candidate.path), rejected)
      } catch {
        rejected.append((candidate.path, "\(error)"))
      }
    }
    throw CheckpointError.noValidCheckpoint(folder: run.checkpoints.path, rejected: rejected.map(\.reason))
  }

  /// The model's parameters, flat in `layout` order, every tensor's name and shape checked.
  public func parameters() throws -> [Float] { parameterValues }

  /// The whole training state, for resuming; refused for a weights-only export.
  public func trainingState() throws -> TrainingCheckpoint {
    guard let training else {
      throw RunError.badCheckpoint(path: path, reason: "holds weights only (an export); training cannot resume from it")
    }
    return training
  }
}
