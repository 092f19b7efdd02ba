#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every fault the `Checkpoints` module reports. Each message names the file
/// (or tensor), what was expected and what was found, so a stage can print it
/// as one line; the format is described in docs/FORMATS.md ("Checkpoints").
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A file or folder could not be opened, read, created or deleted.
  case io(path: String, operation: String, errno: Int32)
  /// The path names a folder, a device, a pipe or a socket (e.g. /dev/null).
  case notARegularFile(path: String, kind: String)
  /// Fewer than the 8 bytes that hold the header length.
  case fileTooShort(source: String, size: Int)
  /// The header length is above the cap (100,000,000 bytes, as in the reference implementation).
  case headerTooLarge(source: String, length: UInt64, cap: Int)
  /// The header length points past the end of the file.
  case headerBeyondFile(source: String, length: UInt64, fileSize: Int)
  /// The header is not UTF-8, does not start with `{`, or is not a JSON object.
  case headerNotJSON(source: String, detail: String)
  /// The header lists more tensors than `SafeTensorsFile.maximumTensorCount`.
  case tooManyTensors(source: String, limit: Int)
  /// The header is nested deeper, or holds more JSON values, than the parser's ceilings.
  case headerCeiling(source: String, detail: String)
  /// Two header keys decode to the same tensor name.
  case duplicateTensor(source: String, name: String)
  /// A tensor entry is not `{"dtype": ..., "shape": [...], "data_offsets": [b, e]}`.
  case badTensorEntry(source: String, tensor: String, detail: String)
  /// `__metadata__` is not an object of strings, or a known key has a bad value.
  case badMetadata(source: String, detail: String)
  /// The dtype string is not one of the safetensors dtypes.
  case unknownDType(source: String, tensor: String, found: String)
  /// `data_offsets` are not two integers with 0 <= begin <= end.
  case offsetsOutOfRange(source: String, tensor: String, found: String)
  /// The byte range does not hold shape product x dtype size bytes.
  case sizeMismatch(source: String, tensor: String, dtype: TensorDType, shape: [Int], expectedBytes: Int, begin: Int, end: Int)
  /// Unclaimed bytes between two tensors (or before the first).
  case gap(source: String, tensor: String, begin: Int, previousEnd: Int)
  /// A tensor starts before the previous one ends.
  case overlap(source: String, tensor: String, begin: Int, previous: String, previousEnd: Int)
  /// The tensors need more data than the file holds.
  case truncated(source: String, expectedSize: Int, fileSize: Int)
  /// Bytes at the end of the data section that no tensor claims.
  case unclaimedBytes(source: String, dataSize: Int, claimed: Int)
  /// The data section's CRC-32 differs from `__metadata__["crc32"]`.
  case checksumMismatch(source: String, computed: UInt32, stored: UInt32)
  /// A checksum was required (checkpoints always carry one) but the header has none.
  case missingChecksum(source: String)
  /// A typed accessor was called on a tensor of another dtype.
  case wrongDType(tensor: String, expected: TensorDType, found: TensorDType)
  /// A file has no tensor of that name.
  case missingTensor(name: String, available: [String])
  /// A checkpoint folder has no `step-NNNNNNNN.safetensors` file.
  case noCheckpoints(folder: String)
  /// Every checkpoint in the folder failed to decode; one line per file, newest first.
  case noValidCheckpoint(folder: String, rejected: [String])

  public var description: String {
    switch self {
    case let .io(path, operation, code):
      return "\(path): cannot \(operation): \(String(cString: strerror(code)))"
    case let .notARegularFile(path, kind):
      return "\(path): not a regular file (it is \(kind)); expected a .safetensors checkpoint"
    case let .fileTooShort(source, size):
      return "\(source): file is \(size) bytes, a safetensors file needs at least 8 (the header length); empty or truncated file"
    case let .headerTooLarge(source, length, cap):
      return "\(source): header length is \(length) bytes, more than the cap of \(cap); not a safetensors file, or its first 8 bytes are corrupt"
    case let .headerBeyondFile(source, length, fileSize):
      return "\(source): header length is \(length) bytes but the file has only \(fileSize) (8 + header needs \(length &+ 8)); truncated file?"
    case let .headerNotJSON(source, detail):
      return "\(source): header is not a JSON object (\(detail)); not a safetensors file, or a corrupt one"
    case let .tooManyTensors(source, limit):
      return "\(source): header lists more than \(limit) tensors, the limit; not a DigitVAE checkpoint, or a corrupt one"
    case let .headerCeiling(source, detail):
      return "\(source): header refused: \(detail); not a DigitVAE checkpoint, or a corrupt one"
    case let .duplicateTensor(source, name):
      return "\(source): tensor \"\(name)\" appears twice in the header (names must be unique)"
    case let .badTensorEntry(source, tensor, detail):
      return "\(source): tensor \"\(tensor)\": \(detail) (expected {\"dtype\": \"F32\", \"shape\": [...], \"data_offsets\": [begin, end]})"
    case let .badMetadata(source, detail):
      return "\(source): __metadata__: \(detail)"
    case let .unknownDType(source, tensor, found):
      let known = TensorDType.allCases.map(\.rawValue).joined(separator: ", ")
      return "\(source): tensor \"\(tensor)\" has dtype \"\(found)\", expected one of \(known)"
    case let .offsetsOutOfRange(source, tensor, found):
      return "\(source): tensor \"\(tensor)\": data_offsets \(found) are out of range (expected two integers 0 <= begin <= end)"
    case let .sizeMismatch(source, tensor, dtype, shape, expected, begin, end):
      return "\(source): tensor \"\(tensor)\" (\(dtype.rawValue), shape \(shape)) needs \(expected) bytes, data_offsets [\(begin), \(end)] hold \(end - begin)"
    case let .gap(source, tensor, begin, previousEnd):
      return "\(source): \(begin - previousEnd) unclaimed bytes before tensor \"\(tensor)\" (it begins at \(begin), the data before it ends at \(previousEnd)); tensors must be packed with no gaps"
    case let .overlap(source, tensor, begin, previous, previousEnd):
      return "\(source): tensor \"\(tensor)\" begins at \(begin), inside tensor \"\(previous)\" which ends at \(previousEnd); tensors must not overlap"
    case let .truncated(source, expectedSize, fileSize):
      return "\(source): file is \(fileSize) bytes, its header describes \(expectedSize); truncated file (or corrupt header)"
    case let .unclaimedBytes(source, dataSize, claimed):
      return "\(source): data section is \(dataSize) bytes but the tensors cover only \(claimed); \(dataSize - claimed) trailing bytes belong to no tensor"
    case let .checksumMismatch(source, computed, stored):
      return "\(source): data CRC-32 is \(hex8(computed)), header says \(hex8(stored)) (file corrupted or truncated)"
    case let .missingChecksum(source):
      return "\(source): header has no __metadata__ \"crc32\" entry; checkpoints written by this project always carry one (corrupt header?)"
    case let .wrongDType(tensor, expected, found):
      return "tensor \"\(tensor)\" is \(found.rawValue), expected \(expected.rawValue)"
    case let .missingTensor(name, available):
      let list = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", ..." : "")
      return "no tensor named \"\(name)\" (the file has: \(available.isEmpty ? "no tensors" : list))"
    case let .noCheckpoints(folder):
      return "\(folder): no checkpoints (expected files named step-NNNNNNNN.safetensors)"
    case let .noValidCheckpoint(folder, rejected):
      return "\(folder): none of the \(rejected.count) checkpoints is valid:\n  " + rejected.joined(separator: "\n  ")
    }
  }
}

/// Eight lower-case hex digits, as stored in `__metadata__["crc32"]`.
func hex8(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 8 - digits.count) + digits
}
