#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder of numbered checkpoints, e.g. `artifacts/runs/NAME/checkpoints`,
/// holding `step-00012000.safetensors` files (step zero-padded to 8 digits,
/// more digits past 99,999,999). Other files in it are ignored, including
/// the `.step-*.tmp-*` names a killed writer may leave.
public struct CheckpointFolder: Sendable {
  public let path: String

  public init(path: String) {
    self.path = path
  }

  /// `step-NNNNNNNN.safetensors` for `step` >= 0.
  public static func fileName(step: Int) -> String {
    precondition(step >= 0, "checkpoint step \(step) is negative")
    let digits = String(step)
    return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".safetensors"
  }

  /// The step a checkpoint file name stands for, or nil for any other name
  /// (including non-canonical spellings such as 7 digits).
  public static func step(fromFileName name: String) -> Int? {
    guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
    let digits = name.dropFirst(5).dropLast(12)
    guard digits.count >= 8, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let step = Int(digits),
      fileName(step: step) == name
    else { return nil }
    return step
  }

  /// The full path of the checkpoint for `step`.
  public func filePath(step: Int) -> String {
    path + "/" + Self.fileName(step: step)
  }

  /// The checkpoints present, sorted by step (oldest first); empty if the folder does not exist.
  public func list() throws -> [(step: Int, path: String)] {
    guard let directory = opendir(path) else {
      if errno == ENOENT { return [] }
      throw CheckpointError.io(path: path, operation: "list the folder", errno: errno)
    }
    defer { closedir(directory) }
    var found: [(step: Int, path: String)] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if let step = Self.step(fromFileName: name) {
        found.append((step, path + "/" + name))
      }
    }
    return found.sorted { $0.step < $1.step }
  }

  /// Writes `file` as the checkpoint for `step` (atomically, creating the
  /// folder if needed), then deletes older ones so that `keep` remain.
  ///
  /// The file just written is never deleted, even if files with higher steps
  /// (left by an abandoned run) are present: those count among the `keep`.
  /// - Returns: the path written.
  public func save(_ file: SafeTensorsFile, step: Int, keep: Int) throws -> String {
    precondition(keep >= 1, "keep must be at least 1 (the checkpoint being saved), got \(keep)")
    try makeFolder(path)
    let written = filePath(step: step)
    try file.write(to: written)
    let others = try list().filter { $0.step != step }.sorted { $0.step > $1.step }
    for old in others.dropFirst(keep - 1) {
      if unlink(old.path) != 0, errno != ENOENT {
        throw CheckpointError.io(path: old.path, operation: "delete old checkpoint (the new one, \(written), was saved)", errno: errno)
      }
    }
    return written
  }

  /// The newest checkpoint that decodes and passes its CRC-32, plus the
  /// newer ones that did not (newest first, each with its error message).
  ///
  /// Throws `noCheckpoints` for an empty or missing folder and
  /// `noValidCheckpoint` (listing each file's fault) when none is valid.
  public func newestValid() throws -> (file: SafeTensorsFile, path: String, step: Int, rejected: [(path: String, reason: String)]) {
    let candidates = try list()
    guard !candidates.isEmpty else { throw CheckpointError.noCheckpoints(folder: path) }
    var rejected: [(path: String, reason: String)] = []
    for candidate in candidates.reversed() {
      do {
        let file = try SafeTensorsFile.read(from: candidate.path, requireChecksum: true)
        return (file, candidate.path, candidate.step, rejected)
      } catch {
        rejected.append((candidate.path, "\(error)"))
      }
    }
    throw CheckpointError.noValidCheckpoint(folder: path, rejected: rejected.map(\.reason))
  }

  /// `mkdir -p`.
  private func makeFolder(_ folder: String) throws {
    var status = stat()
    if stat(folder, &status) == 0 { return }
    if let slash = folder.lastIndex(of: "/"), slash != folder.startIndex {
      try makeFolder(String(folder[..<slash]))
    }
    if mkdir(folder, 0o755) != 0, errno != EEXIST {
      throw CheckpointError.io(path: folder, operation: "create the folder", errno: errno)
    }
  }
}
