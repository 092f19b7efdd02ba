/// Every fault the `DataFiles` module reports: each names the file, what was
/// expected and what was found, so a stage can print it as one line.
public enum DataFileError: Error, Equatable, CustomStringConvertible {
  /// A file could not be opened, read, written, synced or renamed.
  case io(path: String, operation: String, errno: Int32)
  /// The path names a folder, a device, a pipe or a socket where a file was expected.
  case notARegularFile(path: String, kind: String)
  /// The bytes do not start like a gzip member (magic 1f 8b).
  case notGzip(path: String, firstBytes: [UInt8])
  /// zlib rejected the compressed data (bad CRC, bad length, bad block).
  case corruptCompressed(path: String, detail: String)
  /// The compressed stream ended before its last member was complete.
  case truncatedCompressed(path: String)
  /// zlib failed for a reason that is not the data's fault (memory, version).
  case zlib(operation: String, code: Int32)
  /// A file ended before the bytes its size promised were read (it changed under us).
  case unexpectedEnd(path: String, offset: Int64)
  /// The file is too short to hold even the fixed part of an IDX header.
  case idxTooShort(path: String, size: Int64)
  /// The first two bytes of an IDX file are not zero.
  case idxBadMagic(path: String, firstBytes: [UInt8])
  /// The type byte is not one of the IDX types (08 09 0B 0C 0D 0E).
  case idxUnknownType(path: String, code: UInt8)
  /// The IDX type is valid but not the one the caller asked for.
  case idxWrongType(path: String, expected: UInt8, found: UInt8)
  /// The product of the dimensions exceeds the element limit (or overflows).
  case idxTooManyElements(path: String, shape: [UInt32], limit: Int)
  /// The header's shape and the file size disagree.
  case idxSizeMismatch(path: String, shape: [Int], expectedBytes: Int64, foundBytes: Int64)
  /// The IDX shape is not the one the data set needs (e.g. N x 28 x 28).
  case shapeMismatch(path: String, expected: String, found: [Int])
  /// An image file and its label file disagree on the number of items.
  case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
  /// A label lies outside 0...classes-1 (0...9 for the digit sets).
  case labelOutOfRange(path: String, index: Int, value: UInt8, classes: Int)
  /// A data-set descriptor (dataset.json, classes.txt) is malformed or disagrees with its files.
  case badDataset(path: String, reason: String)
  /// A file a data folder must hold is not there.
  case missingFile(path: String, hint: String)
  /// A file's digest is not the published one.
  case checksumMismatch(path: String, algorithm: String, expected: String, found: String)
  /// A line of a checksum list is not "HEX  NAME".
  case badChecksumLine(path: String, line: Int, text: String)
  /// A folder (or one of its parents) could not be created.
  case cannotCreateFolder(path: String, reason: String)
  /// A small text file (JSON, CSV) is larger than any such file the stages write.
  case fileTooLarge(path: String, size: Int64, limit: Int)

  public var description: String {
    switch self {
    case let .io(path, operation, code):
      return "\(path): cannot \(operation): \(String(cString: strerror(code)))"
    case let .fileTooLarge(path, size, limit):
      return "\(path): \(size) bytes, more than the limit of \(limit) for a file of this kind; is it the right file?"
    case let .notARegularFile(path, kind):
      return "\(path): not a regular file (it is \(kind))"
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
    case let .unexpectedEnd(path, offset):
      return "\(path): file ends early at byte \(offset) (was it changed while being read?)"
    case let .idxTooShort(path, size):
      return "\(path): not an IDX file (expected at least a 4-byte header, found \(size) bytes)"
    case let .idxBadMagic(path, firstBytes):
      let hex = firstBytes.prefix(4).map { String(format2hex: $0) }.joined(separator: " ")
      let hint = firstBytes.first == 0x1f ? "; it looks gzip-compressed: run vae-decompress" : ""
      return "\(path): not an IDX file (expected first bytes 00 00, found \(hex))\(hint)"
    case let .idxUnknownType(path, code):
      return "\(path): unknown IDX type byte 0x\(String(format2hex: code)) (expected one of 08 09 0b 0c 0d 0e)"
    case let .idxWrongType(path, expected, found):
      return "\(path): IDX type 0x\(String(format2hex: found)) (\(IDX.typeName(found))), expected 0x\(String(format2hex: expected)) (\(IDX.typeName(expected)))"
    case let .idxTooManyElements(path, shape, limit):
      let dims = shape.map(String.init).joined(separator: " x ")
      return "\(path): IDX header claims \(dims) elements, more than the limit of \(limit)"
    case let .idxSizeMismatch(path, shape, expectedBytes, foundBytes):
      let dims = shape.map(String.init).joined(separator: " x ")
      let hint = foundBytes < expectedBytes ? " (truncated?)" : " (trailing bytes)"
      let claim = shape.isEmpty ? "IDX header needs" : "IDX header claims shape \(dims) ="
      return "\(path): \(claim) \(expectedBytes) bytes with the header, but the file holds \(foundBytes)\(hint)"
    case let .shapeMismatch(path, expected, found):
      return "\(path): expected shape \(expected), found \(found.map(String.init).joined(separator: " x "))"
    case let .countMismatch(imagesPath, images, labelsPath, labels):
      return "\(labelsPath): holds \(labels) labels but \(imagesPath) holds \(images) images"
    case let .labelOutOfRange(path, index, value, classes):
      return "\(path): label \(value) at index \(index) is outside 0...\(classes - 1) (the data set has \(classes) classes)"
    case let .badDataset(path, reason):
      return "\(path): \(reason)"
    case let .missingFile(path, hint):
      return "\(path): no such file; \(hint)"
    case let .checksumMismatch(path, algorithm, expected, found):
      return "\(path): \(algorithm) mismatch (expected \(expected), found \(found))"
    case let .badChecksumLine(path, line, text):
      return "\(path): line \(line) is not \"HEX  NAME\" with 32 or 64 hex digits (found \"\(text)\")"
    case let .cannotCreateFolder(path, reason):
      return "\(path): cannot create folder: \(reason)"
    }
  }
}

/// What a `stat` mode says a path is, for "not a regular file" messages.
public func fileKindDescription(mode: mode_t) -> String {
  switch mode & S_IFMT {
  case S_IFDIR: return "a folder"
  case S_IFCHR: return "a character device"
  case S_IFBLK: return "a block device"
  case S_IFIFO: return "a pipe"
  case S_IFSOCK: return "a socket"
  case S_IFLNK: return "a symbolic link"
  default: return "not a regular file"
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
