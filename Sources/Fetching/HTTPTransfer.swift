import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
import Terminal
#endif

/// One HTTP GET that appends the body to a `.part` file, resuming with a
/// Range request when the file already holds bytes.
///
/// URLSession runs the transfer on its own queue; the caller's thread waits
/// in `run`, enforcing the two timeouts itself (URLSession on Linux has no
/// separate connect timeout) and reporting progress.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
  /// How an attempt ended.
  enum Outcome: Equatable {
    /// The whole file is in the `.part` file; `resumedFrom` > 0 when a Range request continued it.
    case complete(resumedFrom: Int64)
    /// The server answered 416: the `.part` file is already as long as the file (or longer).
    case rangeNotSatisfiable
    /// Anything else; `retryable` is false for answers that will not change (404, 403, ...).
    case failed(reason: String, retryable: Bool)
  }

  private let part: PartFile
  private let resumeOffset: Int64
  private let lock = NSLock()
  private let done = DispatchSemaphore(value: 0)
  // Guarded by `lock`:
  private var responded = false
  private var lastActivity: Double
  private var written: Int64 = 0  // bytes in the .part file now
  private var total: Int64?  // the whole file's size, when the server says
  private var failure: Outcome?
  private var resumed = false  // the server answered 206 to our Range request

  private init(part: PartFile, resumeOffset: Int64) {
    self.part = part
    self.resumeOffset = resumeOffset
    self.written = resumeOffset
    self.lastActivity = ProgressMeter.monotonicSeconds()
  }

  /// Fetches `url` into `part`; `progress` gets (bytes in the file, whole size if known).
  static func run(
    url: URL, part: PartFile, connectTimeout: Double, readTimeout: Double,
    progress: (Int64, Int64?) -> Void
  ) -> Outcome {
    let resumeOffset = part.size
    let transfer = HTTPTransfer(part: part, resumeOffset: resumeOffset)
    let configuration = URLSessionConfiguration.ephemeral
    // A backstop only: the loop below enforces both timeouts more precisely.
    configuration.timeoutIntervalForRequest = connectTimeout + readTimeout
    configuration.timeoutIntervalForResource = 7 * 24 * 3600
    configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
    let queue = OperationQueue()
    queue.maxConcurrentOperationCount = 1
    let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
    defer { session.invalidateAndCancel() }
    var request = URLRequest(url: url)
    // The .gz files must arrive byte for byte: no transparent decompression.
    request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
    if resumeOffset > 0 { request.setValue("bytes=\(resumeOffset)-", forHTTPHeaderField: "Range") }
    let task = session.dataTask(with: request)
    let start = ProgressMeter.monotonicSeconds()
    task.resume()
    while transfer.done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
      let now = ProgressMeter.monotonicSeconds()
      let (responded, lastActivity, written, total) = transfer.snapshot()
      progress(written, total)
      if !responded, now - start > connectTimeout {
        transfer.fail(.failed(reason: "no response within \(ProgressMeter.seconds(connectTimeout))", retryable: true))
        task.cancel()
      } else if responded, now - lastActivity > readTimeout {
        transfer.fail(.failed(reason: "no data for \(ProgressMeter.seconds(readTimeout))", retryable: true))
        task.cancel()
      }
    }
    let (_, _, written, total) = transfer.snapshot()
    progress(written, total)
    return transfer.outcome()
  }

  private func snapshot() -> (Bool, Double, Int64, Int64?) {
    lock.lock()
    defer { lock.unlock() }
    return (responded, lastActivity, written, total)
  }

  /// Records the first failure; later ones (e.g. "cancelled") are consequences.
  private func fail(_ outcome: Outcome) {
    lock.lock()
    defer { lock.unlock() }
    if failure == nil { failure = outcome }
  }

  private func outcome() -> Outcome {
    lock.lock()
    defer { lock.unlock() }
    if let failure { return failure }
    if let total, written != total {
      return .failed(reason: "connection closed after \(written) of \(total) bytes", retryable: true)
    }
    return .complete(resumedFrom: resumed ? resumeOffset : 0)
  }

  func urlSession(
    _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
  ) {
    let disposition = accept(response)
    completionHandler(disposition)
  }

  private func accept(_ response: URLResponse) -> URLSession.ResponseDisposition {
    lock.lock()
    defer { lock.unlock() }
    responded = true
    lastActivity = ProgressMeter.monotonicSeconds()
    guard let http = response as? HTTPURLResponse else {
      failure = .failed(reason: "not an HTTP response", retryable: false)
      return .cancel
    }
    let length = response.expectedContentLength
    switch http.statusCode {
    case 200:
      if resumeOffset > 0 {
        // The server ignored the Range header and sends everything: start over.
        do { try part.truncate() } catch {
          failure = .failed(reason: "\(error)", retryable: false)
          return .cancel
        }
        written = 0
      }
      total = length >= 0 ? length : nil
      return .allow
    case 206:
      guard let range = http.value(forHTTPHeaderField: "Content-Range"),
        let (first, size) = Self.parseContentRange(range), first == resumeOffset
      else {
        // A range we did not ask for: drop the partial file and try again from zero.
        try? part.truncate()
        failure = .failed(reason: "server resumed at the wrong offset", retryable: true)
        return .cancel
      }
      total = size ?? (length >= 0 ? resumeOffset + length : nil)
      resumed = true
      return .allow
    case 416:
      failure = .rangeNotSatisfiable
      return .cancel
    default:
      let code = http.statusCode
      let retryable = code >= 500 || code == 408 || code == 429
      failure = .failed(reason: "HTTP \(code) \(HTTPURLResponse.localizedString(forStatusCode: code))", retryable: retryable)
      return .cancel
    }
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    lock.lock()
    defer { lock.unlock() }
    guard failure == nil else { return }
    do {
      try data.withUnsafeBytes { try part.write($0) }
      written += Int64(data.count)
      lastActivity = ProgressMeter.monotonicSeconds()
    } catch {
      failure = .failed(reason: "\(error)", retryable: false)
      dataTask.cancel()
    }
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
    if let error {
      let text = Console.oneLine((error as NSError).localizedDescription)
      fail(.failed(reason: text.isEmpty ? "network error" : text, retryable: true))
    }
    done.signal()
  }

  /// "bytes 100-199/200" -> (100, 200); the size is nil for "*".
  static func parseContentRange(_ header: String) -> (first: Int64, size: Int64?)? {
    let text = header.trimmingCharacters(in: .whitespaces)
    guard text.lowercased().hasPrefix("bytes ") else { return nil }
    let spec = text.dropFirst("bytes ".count)
    let parts = spec.split(separator: "/", maxSplits: 1)
    guard parts.count == 2, let dash = parts[0].firstIndex(of: "-"), let first = Int64(parts[0][..<dash]) else { return nil }
    return (first, Int64(parts[1]))
  }
}
