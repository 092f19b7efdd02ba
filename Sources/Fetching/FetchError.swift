/// Every fault the `Fetching` module reports, each one line naming the file.
public enum FetchError: Error, Equatable, CustomStringConvertible {
  /// A file could not be fetched from any source; `failures` says why, per source.
  case allMirrorsFailed(path: String, failures: [MirrorFailure])
  /// A file operation failed (`reason` is the system's message).
  case io(path: String, operation: String, reason: String)

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
    case let .allMirrorsFailed(path, failures):
      let tried = failures.map { "\($0.mirror) (\($0.reason))" }.joined(separator: "; ")
      let noun = failures.count == 1 ? "the only mirror" : "all \(failures.count) mirrors"
      return "\(path): could not be fetched, \(noun) failed: \(tried)"
    case let .io(path, operation, reason):
      return "\(path): cannot \(operation): \(reason)"
    }
  }
}
