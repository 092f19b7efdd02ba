import Checkpoints
import Foundation

/// A run folder (`artifacts/runs/<name>`) and the paths of the files in it.
public struct RunFolder: Sendable {
  public let path: String
  public init(path: String) { self.path = path }
  public var config: String { path + "/config.json" }
  public var log: String { path + "/log.csv" }
  public var snapshots: String { path + "/" + ReconstructionSnapshots.fileName }
  public var checkpoints: CheckpointFolder { CheckpointFolder(path: path + "/checkpoints") }
  /// Removes what an interrupted atomic write left behind (`.NAME.tmp-PID-RANDOM`, see
  /// `AtomicFile`) in the folder and in `checkpoints/`. Only the folder's owner (see `RunLock`) may.
  public func removeStaleTemporaries() {
    let files = FileManager.default
    for folder in [path, checkpoints.path] {
      for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
        try? files.removeItem(atPath: folder + "/" + name)
      }
    }
  }

  /// True when the folder holds anything a run writes.
  public var holdsRun: Bool {
    let files = FileManager.default
    return files.fileExists(atPath: config) || files.fileExists(atPath: log)
      || ((try? checkpoints.list().isEmpty) == false)
  }
}
