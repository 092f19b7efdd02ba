import DataFiles

/// Every fault a stage reports that is not already a `DataFileError`.
///
/// Each description is one line naming the file (or folder) and the fault,
/// so that swift-argument-parser's `Error: <description>` is the only line a
/// failing stage prints on stderr.
public enum StageError: Error, Equatable, CustomStringConvertible {
  /// A folder (or one of its parents) could not be created.
  case cannotCreateFolder(path: String, reason: String)
  /// An input file a stage needs is not there.
  case missingInput(path: String, hint: String)
  /// A file could not be fetched from any source; `failures` says why, per source.
  case allMirrorsFailed(path: String, failures: [MirrorFailure])
  /// A file operation failed (`reason` is the system's message).
  case io(path: String, operation: String, reason: String)
  /// A checksum list does not mention a file that must be verified.
  case noChecksum(file: String, list: String)
  /// Any other error, already flattened to one line.
  case other(String)

  /// Why one source could not provide a file.
  public struct MirrorFailure: Equatable, Sendable {
    /// The mirror as the user gave it (URL or folder).
    public var mirror: String
    /// What went wrong there, in a few words.
    public var reason: String

    public init(mirror: String, reason: String) {
      self.mirror = mirror
      self.reason = reason
    }
  }

  public var description: String {
    switch self {
    case let .cannotCreateFolder(path, reason):
      return "\(path): cannot create folder: \(reason)"
    case let .missingInput(path, hint):
      return "\(path): missing input file; \(hint)"
    case let .allMirrorsFailed(path, failures):
      let tried = failures.map { "\($0.mirror) (\($0.reason))" }.joined(separator: "; ")
      let noun = failures.count == 1 ? "the only mirror" : "all \(failures.count) mirrors"
      return "\(path): could not be fetched, \(noun) failed: \(tried)"
    case let .io(path, operation, reason):
      return "\(path): cannot \(operation): \(reason)"
    case let .noChecksum(file, list):
      return "\(list): no checksum listed for \(file)"
    case let .other(message):
      return message
    }
  }
}
