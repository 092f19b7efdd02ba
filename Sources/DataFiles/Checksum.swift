/// The sums a file is expected to have, as its publisher lists them.
///
/// At least one of the two is set; every sum that is set must match.
public struct Checksum: Sendable, Equatable, Codable {
  /// Lower-case hex SHA-256, when published.
  public var sha256: String?
  /// Lower-case hex MD5, when published (Fashion-MNIST and KMNIST publish only MD5).
  public var md5: String?

  public init(sha256: String? = nil, md5: String? = nil) {
    precondition(sha256 != nil || md5 != nil, "a checksum needs at least one sum")
    self.sha256 = sha256?.lowercased()
    self.md5 = md5?.lowercased()
  }

  /// The first sum that `digests` contradicts, or nil if every published sum matches.
  public func mismatch(with digests: FileDigests) -> (algorithm: String, expected: String, found: String)? {
    if let sha256, sha256 != digests.sha256 { return ("SHA-256", sha256, digests.sha256) }
    if let md5, md5 != digests.md5 { return ("MD5", md5, digests.md5) }
    return nil
  }

  /// Throws `checksumMismatch` naming `path` unless `digests` match.
  public func verify(_ digests: FileDigests, path: String) throws {
    if let (algorithm, expected, found) = mismatch(with: digests) {
      throw DataFileError.checksumMismatch(path: path, algorithm: algorithm, expected: expected, found: found)
    }
  }

  /// Which algorithms this checksum checks, for messages ("SHA-256", "MD5").
  public var algorithms: String {
    [sha256 == nil ? nil : "SHA-256", md5 == nil ? nil : "MD5"].compactMap { $0 }.joined(separator: "+")
  }

  /// Parses a `sha256sum`/`md5sum` style list ("HEX  NAME" per line, optional
  /// `*` before binary names); 64 hex digits are SHA-256, 32 are MD5.
  /// `path` names the list in errors.
  public static func parseList(_ text: String, path: String) throws -> [String: Checksum] {
    var sums: [String: Checksum] = [:]
    for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.trimmingSpaces()
      if line.isEmpty || line.hasPrefix("#") { continue }
      let parts = line.split(separator: " ", maxSplits: 1)
      let hex = parts.first.map { String($0).lowercased() } ?? ""
      var name = parts.count == 2 ? parts[1].trimmingSpaces() : ""
      if name.hasPrefix("*") { name.removeFirst() }
      guard !name.isEmpty, hex.count == 64 || hex.count == 32, hex.allSatisfy(\.isHexDigit) else {
        throw DataFileError.badChecksumLine(path: path, line: number + 1, text: String(line.prefix(80)))
      }
      var entry = sums[name] ?? Checksum(sha256: hex.count == 64 ? hex : nil, md5: hex.count == 32 ? hex : nil)
      if hex.count == 64 { entry.sha256 = hex } else { entry.md5 = hex }
      sums[name] = entry
    }
    return sums
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
  }
}
