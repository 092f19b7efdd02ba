#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DataFiles
import Foundation
import Terminal

/// Fetches single files from a list of mirrors into a folder: each into
/// `NAME.part`, verified against its checksum, then renamed to `NAME`.
///
/// Mirrors are tried in order. Within a mirror, network failures are retried
/// with exponential backoff and an HTTP download resumes from the bytes already
/// in `NAME.part` (Range request); answers that will not change (404, a
/// missing local file, a checksum mismatch) move on to the next mirror at once.
public final class Downloader {
  /// Timeouts and retry policy.
  public struct Settings: Sendable {
    /// Seconds to wait for the server's response headers.
    public var connectTimeout: Double
    /// Seconds without body data after which an attempt is abandoned.
    public var readTimeout: Double
    /// Extra attempts per mirror after a retryable failure.
    public var retries: Int
    /// Seconds before the first retry; doubled for each further one.
    public var retryDelay: Double

    public init(connectTimeout: Double = 15, readTimeout: Double = 30, retries: Int = 3, retryDelay: Double = 1) {
      self.connectTimeout = connectTimeout
      self.readTimeout = readTimeout
      self.retries = retries
      self.retryDelay = retryDelay
    }
  }

  public let mirrors: [Mirror]
  public let settings: Settings
  private let console: Console

  public init(mirrors: [Mirror], settings: Settings = Settings(), console: Console = .standard) {
    precondition(!mirrors.isEmpty, "a downloader needs at least one mirror")
    self.mirrors = mirrors
    self.settings = settings
    self.console = console
  }

  /// Fetches `name` into `folder/name`, verified against `checksum`; returns its digests.
  ///
  /// Throws `FetchError.allMirrorsFailed` naming every mirror tried and why.
  public func fetch(name: String, into folder: String, checksum: Checksum, expectedSize: Int64? = nil) throws -> FileDigests {
    let target = folder + "/" + name
    let partPath = target + ".part"
    var failures: [FetchError.MirrorFailure] = []
    for (index, mirror) in mirrors.enumerated() {
      let reason: String
      do {
        return try attempt(mirror, name: name, partPath: partPath, target: target, checksum: checksum, expectedSize: expectedSize)
      } catch let fault as MirrorFault {
        reason = fault.reason
      }
      failures.append(FetchError.MirrorFailure(mirror: mirror.display, reason: reason))
      if index + 1 < mirrors.count {
        console.line("\(name): \(mirror.display) failed (\(reason)); trying the next mirror")
      }
    }
    // A partial download stays for the next run to resume; an empty one is just clutter.
    if FileStamp.current(partPath)?.size == 0 { unlink(partPath) }
    throw FetchError.allMirrorsFailed(path: target, failures: failures)
  }

  /// Why one mirror could not provide the file (internal: becomes a `MirrorFailure`).
  private struct MirrorFault: Error {
    var reason: String
  }

  /// Tries one mirror, with retries; returns the digests or throws `MirrorFault`.
  /// Errors writing the local `.part` file are the stage's own fault and propagate as they are.
  private func attempt(
    _ mirror: Mirror, name: String, partPath: String, target: String, checksum: Checksum, expectedSize: Int64?
  ) throws -> FileDigests {
    var retry = 0
    var restartedAfter416 = false
    while true {
      let part = try PartFile(path: partPath)
      let progress = ProgressMeter(name, total: expectedSize, unit: .bytes, console: console)
      let result: HTTPTransfer.Outcome
      switch mirror {
      case let .folder(path):
        result = try copy(from: mirror.location(of: name), folder: path, into: part, progress: progress)
      case .http:
        guard let url = URL(string: mirror.location(of: name)) else { throw MirrorFault(reason: "not a valid URL") }
        result = HTTPTransfer.run(
          url: url, part: part, connectTimeout: settings.connectTimeout, readTimeout: settings.readTimeout
        ) { written, total in
          if progress.total == nil { progress.total = total }
          progress.update(completed: written)
        }
      }
      switch result {
      case let .complete(resumedAt):
        try part.syncAndClose()
        return try verify(partPath: partPath, target: target, checksum: checksum, from: mirror, progress: progress, resumedAt: resumedAt)
      case .rangeNotSatisfiable where !restartedAfter416:
        // The .part file is already complete or too long: start over once, without waiting.
        try part.truncate()
        restartedAfter416 = true
        continue
      case .rangeNotSatisfiable:
        try part.truncate()
        throw MirrorFault(reason: "HTTP 416 even for a fresh download")
      case let .failed(reason, retryable):
        console.clearBar()
        guard retryable, retry < settings.retries else { throw MirrorFault(reason: reason) }
        let delay = settings.retryDelay * Double(1 << min(retry, 16))
        retry += 1
        console.line("\(name): \(reason) from \(mirror.display); retry \(retry) of \(settings.retries) in \(ProgressMeter.seconds(delay))")
        if delay > 0 { usleep(UInt32(min(delay, 3600) * 1_000_000)) }
      }
    }
  }

  /// Copies a file from a local mirror into the (emptied) `.part` file.
  private func copy(from source: String, folder: String, into part: PartFile, progress: ProgressMeter) throws -> HTTPTransfer.Outcome {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      return .failed(reason: "no such folder", retryable: false)
    }
    let reader: FileReader
    do { reader = try FileReader(path: source) } catch {
      return .failed(reason: "cannot read \(source): \(errnoText(error))", retryable: false)
    }
    try part.truncate()
    do {
      try reader.forEachChunk { chunk in
        try part.write(chunk)
        progress.update(completed: reader.offset)
      }
    } catch let error as DataFileError {
      return .failed(reason: "\(error)", retryable: true)
    }
    return .complete(resumedFrom: 0)
  }

  /// Hashes the finished `.part` file; on a match renames it into place, else removes it.
  private func verify(
    partPath: String, target: String, checksum: Checksum, from mirror: Mirror, progress: ProgressMeter, resumedAt: Int64
  ) throws -> FileDigests {
    let digests = try FileDigests.compute(path: partPath)
    if let (algorithm, expected, found) = checksum.mismatch(with: digests) {
      let start = (try? FileReader(path: partPath).readExactly(count: 1)) ?? []
      unlink(partPath)
      console.clearBar()
      let hint = start == [UInt8(ascii: "<")] ? "; the file starts with '<': an HTML page, not the data?" : ""
      throw MirrorFault(reason: "\(algorithm) mismatch: expected \(expected), found \(found); download removed\(hint)")
    }
    guard rename(partPath, target) == 0 else {
      throw FetchError.io(path: target, operation: "rename \(partPath) into place", reason: String(cString: strerror(errno)))
    }
    var note = "from \(mirror.display), \(checksum.algorithms) ok"
    if resumedAt > 0 { note += ", resumed at byte \(resumedAt)" }
    progress.finish(note)
    return digests
  }

  private func errnoText(_ error: any Error) -> String {
    if case let DataFileError.io(_, _, code) = error { return String(cString: strerror(code)) }
    return "\(error)"
  }
}
