/// Every fault the `Runs` module reports about a run's files and inputs.
///
/// Each description is one line naming the file (or folder) and the fault,
/// so that a stage prints it as its only line on stderr.
public enum RunError: Error, Equatable, CustomStringConvertible {
  /// An input file a stage needs is not there.
  case missingInput(path: String, hint: String)
  /// A run config (config.json or a checkpoint's metadata) cannot be used.
  case badConfig(path: String, reason: String)
  /// A checkpoint does not hold what its config says it should.
  case badCheckpoint(path: String, reason: String)
  /// A run's log.csv cannot be parsed.
  case badLog(path: String, line: Int, reason: String)
  /// Two inputs that must agree (images and corrupted images, data and model) do not.
  case dataMismatch(path: String, reason: String)
  /// A metrics.json (from vae-eval) cannot be used.
  case badMetrics(path: String, reason: String)
  /// `--run` names no folder, and no --checkpoint was given.
  case missingRun(path: String)
  /// Another process is training in the run folder.
  case runLocked(path: String, holder: Int32?)

  public var description: String {
    switch self {
    case let .missingInput(path, hint):
      return "\(path): missing input file; \(hint)"
    case let .badConfig(path, reason):
      return "\(path): bad run config: \(reason)"
    case let .badCheckpoint(path, reason):
      return "\(path): unusable checkpoint: \(reason)"
    case let .badLog(path, line, reason):
      return "\(path):\(line): bad training log: \(reason)"
    case let .dataMismatch(path, reason):
      return "\(path): \(reason)"
    case let .badMetrics(path, reason):
      return "\(path): bad metrics file: \(reason)"
    case let .missingRun(path):
      return "\(path): no such run folder; train one with vae-train --run \(path), or name a checkpoint with --checkpoint"
    case let .runLocked(path, holder):
      let who = holder.map { "process \($0)" } ?? "another process"
      return "\(path): \(who) is training in this run folder; wait for it to finish or stop it (kill \(holder.map(String.init) ?? "<pid>")) first"
    }
  }
}
