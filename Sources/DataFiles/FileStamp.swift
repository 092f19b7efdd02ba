#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a stage remembers about a file to tell later whether it changed:
/// its size and modification time, plus digests where they were computed.
public struct FileStamp: Codable, Equatable, Sendable {
  /// The path as the stage used it.
  public var path: String
  public var size: Int64
  /// Modification time in nanoseconds since 1970.
  public var modified: Int64
  /// Lower-case hex SHA-256, when the stage hashed the file.
  public var sha256: String?
  /// Lower-case hex MD5, when the stage hashed the file.
  public var md5: String?

  public init(path: String, size: Int64, modified: Int64, sha256: String? = nil, md5: String? = nil) {
    self.path = path
    self.size = size
    self.modified = modified
    self.sha256 = sha256
    self.md5 = md5
  }

  /// The current stamp of the regular file at `path` (no digests), or nil if there is none.
  public static func current(_ path: String) -> FileStamp? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    let nanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    return FileStamp(path: path, size: Int64(info.st_size), modified: nanoseconds)
  }

  /// True when the file on disk still has this size and modification time.
  public var matchesDisk: Bool {
    guard let now = FileStamp.current(path) else { return false }
    return now.size == size && now.modified == modified
  }
}
