import DataFiles

/// Every fault a stage reports that is not already a `DataFileError`.
///
/// Each description is one line naming the file (or folder) and the fault,
/// so that swift-argument-parser's `Error: <description>` is the only line a
/// failing stage prints on stderr.
public enum StageError: Error, Equatable, CustomStringConvertible {
  /// An input file a stage needs is not there.
  case missingInput(path: String, hint: String)
  /// A file operation failed (`reason` is the system's message).
  case io(path: String, operation: String, reason: String)
  /// A checksum list does not mention a file that must be verified.
  case noChecksum(file: String, list: String)
  /// A run config (config.json or a checkpoint's metadata) cannot be used.
  case badConfig(path: String, reason: String)
  /// A checkpoint does not hold what its config says it should.
  case badCheckpoint(path: String, reason: String)
  /// A run's log.csv cannot be parsed.
  case badLog(path: String, line: Int, reason: String)
  /// Two inputs that must agree (images and corrupted images, data and model) do not.
  case dataMismatch(path: String, reason: String)
  /// `--run` names a folder that already holds a run, and neither --resume nor --force was given.
  case runExists(path: String)
  /// Options given with --resume contradict the checkpoint's config.
  case conflictingOptions(path: String, conflicts: [String])
  /// Training produced a NaN or infinite loss; parameters were not updated with it.
  case nonFiniteLoss(step: Int, epoch: Int, loss: Double, lastGood: String?)
  /// Any other error, already flattened to one line.
  case other(String)
  /// A metrics.json (from vae-eval) cannot be used.
  case badMetrics(path: String, reason: String)
  /// `--run` names no folder, and no --checkpoint was given.
  case missingRun(path: String)

  public var description: String {
    switch self {
    case let .missingInput(path, hint):
      return "\(path): missing input file; \(hint)"
    case let .io(path, operation, reason):
      return "\(path): cannot \(operation): \(reason)"
    case let .noChecksum(file, list):
      return "\(list): no checksum listed for \(file)"
    case let .badConfig(path, reason):
      return "\(path): bad run config: \(reason)"
    case let .badCheckpoint(path, reason):
      return "\(path): unusable checkpoint: \(reason)"
    case let .badLog(path, line, reason):
      return "\(path):\(line): bad training log: \(reason)"
    case let .dataMismatch(path, reason):
      return "\(path): \(reason)"
    case let .runExists(path):
      return "\(path): already holds a run; pass --resume to continue it or --force to start over"
    case let .conflictingOptions(path, conflicts):
      return "\(path): options conflict with the checkpoint: \(conflicts.joined(separator: "; ")); drop them or use --force to start over"
    case let .nonFiniteLoss(step, epoch, loss, lastGood):
      let keep = lastGood.map { "the last good checkpoint is \($0)" } ?? "no checkpoint had been written yet"
      return "training loss became \(loss) at step \(step) (epoch \(epoch)); parameters were not updated with it; \(keep)"
    case let .other(message):
      return message
    case let .badMetrics(path, reason):
      return "\(path): bad metrics file: \(reason)"
    case let .missingRun(path):
      return "\(path): no such run folder; train one with vae-train --run \(path), or name a checkpoint with --checkpoint"
    }
  }
}
