#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers only ever see the old file or the whole new
/// one: the bytes go to a temporary name in the same folder, are fsync'd, and
/// the temporary file is renamed over the destination (then the folder is
/// fsync'd so the rename itself survives a crash). A killed writer leaves at
/// most a `.NAME.tmp-*` file, never a half-written `NAME`.
public enum AtomicFile {
  /// Calls `body` with a writer on a temporary file, then moves it into place.
  /// If `body` throws, the temporary file is removed and `path` is untouched.
  public static func write(to path: String, _ body: (FileWriter) throws -> Void) throws {
    let (folder, name) = split(path)
    let temporary = folder + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let writer = try FileWriter(creating: temporary)
    do {
      try body(writer)
      try writer.syncAndClose()
      guard rename(temporary, path) == 0 else { throw DataFileError.io(path: path, operation: "rename into place", errno: errno) }
    } catch {
      writer.abandon()
      unlink(temporary)
      throw error
    }
    syncFolder(folder)
  }

  /// Writes `bytes` to `path` atomically.
  public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
    try write(to: path) { try $0.write(Array(bytes)) }
  }

  /// Writes UTF-8 `text` to `path` atomically.
  public static func write(text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }

  static func split(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
  }

  private static func syncFolder(_ folder: String) {
    let fd = open(folder, O_RDONLY)
    if fd >= 0 {
      _ = fsync(fd)
      close(fd)
    }
  }
}

/// A buffered writer on a POSIX file descriptor; errors name the file.
public final class FileWriter {
  public let path: String
  private var fd: Int32
  private var buffer: [UInt8] = []
  private let capacity = 1 << 20

  /// Creates `path`, failing if it exists (temporary names are unique).
  init(creating path: String) throws {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw DataFileError.io(path: path, operation: "create", errno: errno) }
    buffer.reserveCapacity(capacity)
  }

  deinit { if fd >= 0 { close(fd) } }

  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    if buffer.count + bytes.count > capacity { try flush() }
    if bytes.count >= capacity {
      try writeAll(bytes)
    } else {
      buffer.append(contentsOf: bytes)
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  public func write(_ text: String) throws {
    try write(Array(text.utf8))
  }

  func flush() throws {
    guard !buffer.isEmpty else { return }
    try buffer.withUnsafeBytes { try writeAll($0) }
    buffer.removeAll(keepingCapacity: true)
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw DataFileError.io(path: path, operation: "write", errno: errno)
      }
      offset += n
    }
  }

  func syncAndClose() throws {
    try flush()
    guard fsync(fd) == 0 else { throw DataFileError.io(path: path, operation: "fsync", errno: errno) }
    guard close(fd) == 0 else { fd = -1; throw DataFileError.io(path: path, operation: "close", errno: errno) }
    fd = -1
  }

  func abandon() {
    if fd >= 0 { close(fd) }
    fd = -1
  }
}
