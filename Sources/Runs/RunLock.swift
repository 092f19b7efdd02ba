#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Ownership of a run folder by one process: an advisory `flock` on the folder's
/// `train.lock`, which holds the owner's PID. The kernel drops the lock when its
/// process ends, however it ends (kill -9 included), so a lock is never stale;
/// the file itself stays, holding the last owner's PID.
public final class RunLock {
  /// The lock file's name inside a run folder.
  public static let fileName = "train.lock"

  private let descriptor: Int32
  public let path: String

  /// Takes the lock of the run folder `folder` (which must exist), or throws
  /// `RunError.runLocked` naming the process that holds it.
  public init(folder: String) throws {
    path = folder + "/" + Self.fileName
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw RunError.badConfig(path: path, reason: "cannot open the run's lock file: \(String(cString: strerror(errno)))")
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let holder = Self.readPID(fd)
      close(fd)
      throw RunError.runLocked(path: folder, holder: holder)
    }
    descriptor = fd
    // Our PID for the next comer's message; the lock, not the text, is what counts.
    let text = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  deinit { close(descriptor) }  // closing releases the lock

  /// The PID written in the lock file, if it reads as one.
  private static func readPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return nil }
    return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }
}
