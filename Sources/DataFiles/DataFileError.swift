/// Every fault the `DataFiles` module reports: each names the file, what was
/// expected and what was found, so a stage can print it as one line.
public enum DataFileError: Error, Equatable, CustomStringConvertible {
  /// A file could not be opened, read, written, synced or renamed.
  case io(path: String, operation: String, errno: Int32)
  /// The bytes do not start like a gzip member (magic 1f 8b).
  case notGzip(path: String, firstBytes: [UInt8])
  /// zlib rejected the compressed data (bad CRC, bad length, bad block).
  case corruptCompressed(path: String, detail: String)
  /// The compressed stream ended before its last member was complete.
  case truncatedCompressed(path: String)
  /// zlib failed for a reason that is not the data's fault (memory, version).
  case zlib(operation: String, code: Int32)

  public var description: String {
    switch self {
    case let .io(path, operation, code):
      return "\(path): cannot \(operation): \(String(cString: strerror(code)))"
    case let .notGzip(path, firstBytes):
      let hex = firstBytes.prefix(4).map { String(format2hex: $0) }.joined(separator: " ")
      let hint = firstBytes.first == UInt8(ascii: "<") ? "; is this an HTML error page from the mirror?" : ""
      return "\(path): not gzip data (expected first bytes 1f 8b, found \(hex.isEmpty ? "an empty file" : hex))\(hint)"
    case let .corruptCompressed(path, detail):
      return "\(path): corrupt compressed data (\(detail))"
    case let .truncatedCompressed(path):
      return "\(path): compressed data ends early (truncated download?)"
    case let .zlib(operation, code):
      return "zlib \(operation) failed with code \(code)"
    }
  }
}

extension String {
  /// Two lower-case hex digits.
  init(format2hex byte: UInt8) {
    let digits = Array("0123456789abcdef")
    self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
