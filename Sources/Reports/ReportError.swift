import Foundation
import Terminal

/// Every fault the `Reports` module reports, each one line naming the folder.
public enum ReportError: Error, Equatable, CustomStringConvertible {
  /// `--report DIR` names a folder without a `runs/` folder in it.
  case noRunsFolder(path: String)
  /// A file operation failed (`reason` is the system's message).
  case io(path: String, operation: String, reason: String)

  public var description: String {
    switch self {
    case let .noRunsFolder(path):
      return "\(path): no runs folder; --report expects the artifacts folder that holds runs/ (vae-train --run \(path)/NAME makes one)"
    case let .io(path, operation, reason):
      return "\(path): cannot \(operation): \(reason)"
    }
  }

  /// Any error's message on one line, as `StageError.flattening` gives it: a module's own
  /// description, else (a Foundation error) the system's.
  static func oneLine(_ error: any Error) -> String { Console.oneLine(describing: error) }
}
