import DataFiles

/// Every fault a stage reports that is not already a `DataFileError`.
///
/// Each description is one line naming the file (or folder) and the fault,
/// so that swift-argument-parser's `Error: <description>` is the only line a
/// failing stage prints on stderr.
public enum StageError: Error, Equatable, CustomStringConvertible {
  /// A file operation failed (`reason` is the system's message).
  case io(path: String, operation: String, reason: String)
  /// A checksum list does not mention a file that must be verified.
  case noChecksum(file: String, list: String)
  /// `--run` names a folder that already holds a run, and neither --resume nor --force was given.
  case runExists(path: String)
  /// Options given with --resume contradict the checkpoint's config.
  case conflictingOptions(path: String, conflicts: [String])
  /// Training produced a NaN or infinite loss; parameters were not updated with it.
  case nonFiniteLoss(step: Int, epoch: Int, loss: Double, lastGood: String?)
  /// Any other error, already flattened to one line.
  case other(String)

  public var description: String {
    switch self {
    case let .io(path, operation, reason):
      return "\(path): cannot \(operation): \(reason)"
    case let .noChecksum(file, list):
      return "\(list): no checksum listed for \(file)"
    case let .runExists(path):
      return "\(path): already holds a run; pass --resume to continue it or --force to start over"
    case let .conflictingOptions(path, conflicts):
      return "\(path): options conflict with the checkpoint: \(conflicts.joined(separator: "; ")); drop them or use --force to start over"
    case let .nonFiniteLoss(step, epoch, loss, lastGood):
      let keep = lastGood.map { "the last good checkpoint is \($0)" } ?? "no checkpoint had been written yet"
      return "training loss became \(loss) at step \(step) (epoch \(epoch)); parameters were not updated with it; \(keep)"
    case let .other(message):
      return message
    }
  }
}
