/// The SHA-256 and MD5 of some bytes, as lower-case hex, computed in one pass.
public struct FileDigests: Sendable, Equatable, Codable {
  public var sha256: String
  public var md5: String

  public init(sha256: String, md5: String) {
    self.sha256 = sha256
    self.md5 = md5
  }

  /// Hashes the file at `path` in 1 MiB chunks; `progress` gets the bytes done so far.
  public static func compute(path: String, progress: ((Int64) -> Void)? = nil) throws -> FileDigests {
    let file = try FileReader(path: path)
    var sha = SHA256()
    var md5 = MD5()
    try file.forEachChunk { chunk in
      sha.update(chunk)
      md5.update(chunk)
      progress?(file.offset)
    }
    return FileDigests(sha256: Hex.string(sha.finalize()), md5: Hex.string(md5.finalize()))
  }

  /// Hashes `bytes` in memory.
  public static func compute(bytes: [UInt8]) -> FileDigests {
    FileDigests(sha256: Hex.string(SHA256.hash(bytes)), md5: Hex.string(MD5.hash(bytes)))
  }
}
