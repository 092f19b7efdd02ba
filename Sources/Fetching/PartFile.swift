#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `NAME.part` file a download grows in until it is verified and renamed.
///
/// Opened for appending, so a download resumes where an earlier one stopped;
/// `truncate()` starts it over.
final class PartFile {
  let path: String
  private var fd: Int32

  init(path: String) throws {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FetchError.io(path: path, operation: "open for writing", reason: String(cString: strerror(errno))) }
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Bytes in the file now.
  var size: Int64 {
    var info = stat()
    return fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
  }

  /// Empties the file; later writes start at byte 0.
  func truncate() throws {
    guard ftruncate(fd, 0) == 0 else { throw failure("truncate") }
  }

  func write(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count, let base = bytes.baseAddress {
      let n = Glibc.write(fd, base + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("write")
      }
      done += n
    }
  }

  /// Flushes to disk and closes; the file stays for verification and renaming.
  func syncAndClose() throws {
    guard fd >= 0 else { return }
    defer { fd = -1 }
    guard fsync(fd) == 0 else { close(fd); throw failure("fsync") }
    guard close(fd) == 0 else { throw failure("close") }
  }

  private func failure(_ operation: String) -> FetchError {
    FetchError.io(path: path, operation: operation, reason: String(cString: strerror(errno)))
  }
}
