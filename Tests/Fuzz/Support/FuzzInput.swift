#if canImport(Glibc)
import Glibc
#endif

/// What every fuzz target shares: libFuzzer's input as a Swift array, a scratch
/// file to hand it to readers that take a path, and a way to end the process
/// when a property (not just "no trap") fails, so libFuzzer keeps the input.
public enum FuzzInput {
  /// libFuzzer's `(data, size)` as bytes; a null pointer (size 0) is the empty input.
  public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
  }

  /// A file path private to this process, on tmpfs when there is one (libFuzzer
  /// runs many thousand inputs a second: keep the disk out of it).
  public static let scratchPath: String = {
    var info = stat()
    let folder = stat("/dev/shm", &info) == 0 ? "/dev/shm" : "/tmp"
    return "\(folder)/digitvae-fuzz-\(getpid())"
  }()

  /// Writes `bytes` to `scratchPath` (replacing what was there) and returns the path.
  public static func writeScratch(_ bytes: [UInt8], suffix: String = "") -> String {
    let path = scratchPath + suffix
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fail("cannot create the scratch file \(path)") }
    defer { close(fd) }
    var done = 0
    bytes.withUnsafeBytes { raw in
      while done < raw.count {
        let n = write(fd, raw.baseAddress! + done, raw.count - done)
        if n <= 0 { fail("cannot write the scratch file \(path)") }
        done += n
      }
    }
    return path
  }

  /// A property of the code under test does not hold: report it and abort, so that
  /// libFuzzer saves the input as a crash.
  public static func fail(_ message: String) -> Never {
    let line = Array("fuzz property failed: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
  }

  /// Splits `bytes` into chunks whose sizes are drawn from `seed`, to feed a stream API
  /// the way a file read of arbitrary size would.
  public static func chunks(_ bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    var state = UInt32(seed) &* 2_654_435_761 &+ 1
    while start < bytes.count {
      state = state &* 1_664_525 &+ 1_013_904_223
      let size = 1 + Int(state >> 24) % 97
      let end = min(bytes.count, start + size)
      pieces.append(bytes[start..<end])
      start = end
    }
    return pieces
  }
}

import CLibFuzzer

extension FuzzInput {
  /// Runs libFuzzer's driver with `callback` and the process's arguments; returns its exit code.
  ///
  /// A target's `main.swift` calls this (SwiftPM gives every executable its own `main`,
  /// so libFuzzer's is not used).
  public static func runDriver(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
  }
}
