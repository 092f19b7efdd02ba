#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only POSIX file that knows its size; every error names the file.
///
/// Reads go straight into caller-provided memory (no intermediate `Data` or
/// `Array`), which is what lets `IDX.read` fill an array's storage directly.
public final class FileReader {
  public let path: String
  /// The size in bytes when the file was opened.
  public let size: Int64
  /// Bytes consumed so far by `read`/`readExactly`.
  public private(set) var offset: Int64 = 0
  private var fd: Int32

  /// Opens `path` for reading; a folder or other non-regular file is rejected.
  public init(path: String) throws {
    self.path = path
    fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DataFileError.io(path: path, operation: "open", errno: errno) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      close(fd)
      throw DataFileError.io(path: path, operation: "stat", errno: code)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw DataFileError.notARegularFile(path: path, kind: fileKindDescription(mode: info.st_mode))
    }
    size = Int64(info.st_size)
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Reads up to `buffer.count` bytes; returns 0 only at the end of the file.
  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    while true {
      let n = Glibc.read(fd, base, buffer.count)
      if n >= 0 {
        offset += Int64(n)
        return n
      }
      if errno == EINTR { continue }
      throw DataFileError.io(path: path, operation: "read", errno: errno)
    }
  }

  /// Fills `buffer` completely, or throws `unexpectedEnd` if the file is shorter.
  public func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
    var done = 0
    while done < buffer.count {
      let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
      guard n > 0 else { throw DataFileError.unexpectedEnd(path: path, offset: offset) }
      done += n
    }
  }

  /// Reads exactly `count` bytes into a new array.
  public func readExactly(count: Int) throws -> [UInt8] {
    try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      try readExactly(into: UnsafeMutableRawBufferPointer(buffer))
      initialized = count
    }
  }

  /// The most a text file the stages read whole (config.json, metrics.json, spec.json, a
  /// manifest, log.csv) may hold: far above what the stages write (kilobytes), far below
  /// what would strain memory.
  public static let textFileLimit = 64 << 20

  /// Reads a whole (small) file, e.g. a checksum list; refuses one over `limit` bytes before reading it.
  public static func contents(of path: String, limit: Int = textFileLimit) throws -> [UInt8] {
    let file = try FileReader(path: path)
    guard file.size <= Int64(limit) else { throw DataFileError.fileTooLarge(path: path, size: file.size, limit: limit) }
    return try file.readExactly(count: Int(file.size))
  }

  /// Calls `body` with consecutive chunks of at most `chunkSize` bytes until the end.
  public func forEachChunk(size chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = try read(into: buffer)
      if n == 0 { return }
      try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
  }
}
