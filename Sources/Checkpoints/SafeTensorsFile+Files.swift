#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DataFiles

extension SafeTensorsFile {
  /// Reads and decodes `path`; errors name the path.
  public static func read(from path: String, requireChecksum: Bool = false) throws -> SafeTensorsFile {
    try decode(readWholeFile(path), source: path, requireChecksum: requireChecksum)
  }

  /// Writes the file atomically (temporary name, fsync, rename): a crash
  /// leaves the old file or the new one, never half of it. Errors from the
  /// write itself are `DataFileError.io`, naming the path.
  public func write(to path: String) throws {
    let header = headerBytes()
    try AtomicFile.write(to: path) { writer in
      try writer.write(lengthPrefix(header.count))
      try writer.write(header)
      for tensor in tensors { try writer.write(tensor.bytes) }
    }
  }

  /// The bytes of `path`, sized by fstat.
  static func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CheckpointError.io(path: path, operation: "open", errno: errno) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw CheckpointError.io(path: path, operation: "stat", errno: errno) }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      throw CheckpointError.notARegularFile(path: path, kind: fileKindDescription(mode: status.st_mode))
    }
    let size = Int(status.st_size)
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      var done = 0
      while done < size {
        let n = posixRead(fd, buffer.baseAddress! + done, size - done)
        if n < 0, errno == EINTR { continue }
        if n < 0 { failure = errno; break }
        if n == 0 { break }  // The file shrank while we read: decode sees the short file.
        done += n
      }
      initialized = done
    }
    guard failure == 0 else { throw CheckpointError.io(path: path, operation: "read", errno: failure) }
    return bytes
  }
}

/// `read(2)`; named apart from `SafeTensorsFile.read(from:)`.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.read(fd, buffer, count)
  #else
  return Darwin.read(fd, buffer, count)
  #endif
}
