import DataFiles
import Foundation

extension SafeTensorsFile {
  /// Parses and checks a whole safetensors file held in memory.
  ///
  /// Everything is validated before any tensor is copied out: the header
  /// length against the cap and the file size, the header as a UTF-8 JSON
  /// object starting with `{`, unique names, each entry's dtype, shape and
  /// offsets, the tensors packed with no gap or overlap and covering the data
  /// section exactly, and then the CRC-32 when `__metadata__` has `crc32`.
  /// Each failure is its own `CheckpointError` case (see docs/FORMATS.md ("Checkpoints")).
  ///
  /// - Parameters:
  ///   - source: the file name used in error messages.
  ///   - requireChecksum: reject a file whose header has no `crc32` (ours always do).
  public static func decode(_ bytes: [UInt8], source: String, requireChecksum: Bool = false) throws -> SafeTensorsFile {
    // Bytes 0..<8: header length N, little-endian UInt64.
    guard bytes.count >= 8 else { throw CheckpointError.fileTooShort(source: source, size: bytes.count) }
    let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard declared <= UInt64(maximumHeaderSize) else {
      throw CheckpointError.headerTooLarge(source: source, length: declared, cap: maximumHeaderSize)
    }
    guard declared <= UInt64(bytes.count - 8) else {
      throw CheckpointError.headerBeyondFile(source: source, length: declared, fileSize: bytes.count)
    }
    let headerLength = Int(declared)
    let dataStart = 8 + headerLength
    let dataSize = bytes.count - dataStart

    // Bytes 8..<8+N: the JSON header.
    let header = Array(bytes[8..<dataStart])
    let (top, order) = try parseHeader(header, source: source)
    let metadata = try parseMetadata(top["__metadata__"], source: source)
    var entries: [Entry] = []
    for (position, name) in order.enumerated() {
      entries.append(try Entry(name: name, json: top[name], position: position, source: source))
    }

    // The data section: tensors sorted by offset must tile it exactly.
    entries.sort { ($0.begin, $0.end, $0.position) < ($1.begin, $1.end, $1.position) }
    var packedEnd = 0
    var previous = ""
    for entry in entries {
      if entry.begin > packedEnd {
        throw CheckpointError.gap(source: source, tensor: entry.name, begin: entry.begin, previousEnd: packedEnd)
      }
      if entry.begin < packedEnd {
        throw CheckpointError.overlap(source: source, tensor: entry.name, begin: entry.begin, previous: previous, previousEnd: packedEnd)
      }
      packedEnd = entry.end
      previous = entry.name
    }
    if packedEnd > dataSize {
      throw CheckpointError.truncated(source: source, expectedSize: dataStart + packedEnd, fileSize: bytes.count)
    }
    if packedEnd < dataSize {
      throw CheckpointError.unclaimedBytes(source: source, dataSize: dataSize, claimed: packedEnd)
    }

    if let stored = metadata[checksumKey] {
      guard stored.utf8.count == 8, stored.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
        let expected = UInt32(stored, radix: 16)
      else {
        throw CheckpointError.badMetadata(source: source, detail: "\"\(checksumKey)\" is \"\(stored)\", expected 8 lower-case hex digits")
      }
      let computed = bytes.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }
      guard computed == expected else {
        throw CheckpointError.checksumMismatch(source: source, computed: computed, stored: expected)
      }
    } else if requireChecksum {
      throw CheckpointError.missingChecksum(source: source)
    }

    let tensors = entries.map { entry in
      Tensor(
        name: entry.name, dtype: entry.dtype, shape: entry.shape,
        bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]))
    }
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// The header as a JSON object, and its tensor names in header order.
  private static func parseHeader(_ header: [UInt8], source: String) throws -> (object: [String: Any], names: [String]) {
    guard let first = header.first else { throw CheckpointError.headerNotJSON(source: source, detail: "the header is empty") }
    guard first == UInt8(ascii: "{") else {
      throw CheckpointError.headerNotJSON(source: source, detail: "it starts with byte 0x\(String(first, radix: 16)), expected '{'")
    }
    guard String(validating: header, as: UTF8.self) != nil else {
      throw CheckpointError.headerNotJSON(source: source, detail: "it is not valid UTF-8")
    }
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: Data(header))
    } catch {
      let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
      throw CheckpointError.headerNotJSON(source: source, detail: reason)
    }
    guard let object = parsed as? [String: Any] else {
      throw CheckpointError.headerNotJSON(source: source, detail: "the top level is not an object")
    }
    // JSONSerialization keeps only the last of duplicate keys: list them ourselves.
    let keys = HeaderJSON.topLevelKeys(header)
    var seen = Set<String>()
    for key in keys where !seen.insert(key).inserted {
      throw CheckpointError.duplicateTensor(source: source, name: key)
    }
    guard seen == Set(object.keys) else {
      throw CheckpointError.headerNotJSON(source: source, detail: "could not list the header's keys in order")
    }
    return (object, keys.filter { $0 != "__metadata__" })
  }

  private static func parseMetadata(_ json: Any?, source: String) throws -> [String: String] {
    guard let json else { return [:] }
    guard let object = json as? [String: Any] else {
      throw CheckpointError.badMetadata(source: source, detail: "is not an object of strings")
    }
    var metadata: [String: String] = [:]
    for (key, value) in object {
      guard let text = value as? String else {
        throw CheckpointError.badMetadata(source: source, detail: "the value of \"\(key)\" is not a string")
      }
      metadata[key] = text
    }
    return metadata
  }

  /// One checked header entry; `position` is its index in the header.
  private struct Entry {
    let name: String
    let dtype: TensorDType
    let shape: [Int]
    let begin: Int
    let end: Int
    let position: Int

    init(name: String, json: Any?, position: Int, source: String) throws {
      func bad(_ detail: String) -> CheckpointError { .badTensorEntry(source: source, tensor: name, detail: detail) }
      guard let fields = json as? [String: Any] else { throw bad("the entry is not an object") }
      for key in fields.keys.sorted() where !["dtype", "shape", "data_offsets"].contains(key) {
        throw bad("unknown key \"\(key)\"")
      }
      guard let dtypeName = fields["dtype"] as? String else { throw bad("\"dtype\" is missing or not a string") }
      guard let dtype = TensorDType(rawValue: dtypeName) else {
        throw CheckpointError.unknownDType(source: source, tensor: name, found: dtypeName)
      }
      guard let shapeJSON = fields["shape"] as? [Any] else { throw bad("\"shape\" is missing or not an array") }
      let shape = shapeJSON.map(Entry.integer)
      guard shape.allSatisfy({ ($0 ?? -1) >= 0 }) else {
        throw bad("shape \(Entry.render(shapeJSON)) is not a list of non-negative integers")
      }
      guard let offsetsJSON = fields["data_offsets"] as? [Any] else { throw bad("\"data_offsets\" is missing or not an array") }
      guard offsetsJSON.count == 2 else { throw bad("data_offsets has \(offsetsJSON.count) values, expected 2") }
      guard let begin = Entry.integer(offsetsJSON[0]), let end = Entry.integer(offsetsJSON[1]), begin >= 0, begin <= end else {
        throw CheckpointError.offsetsOutOfRange(source: source, tensor: name, found: Entry.render(offsetsJSON))
      }
      let dimensions = shape.compactMap { $0 }
      var expected = dtype.byteSize
      for dimension in dimensions {
        let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
        guard !overflow else { throw bad("shape \(dimensions) has more bytes than fit in 64 bits") }
        expected = product
      }
      guard end - begin == expected else {
        throw CheckpointError.sizeMismatch(
          source: source, tensor: name, dtype: dtype, shape: dimensions, expectedBytes: expected, begin: begin, end: end)
      }
      self.name = name
      self.dtype = dtype
      self.shape = dimensions
      self.begin = begin
      self.end = end
      self.position = position
    }

    /// A JSON integer that fits in Int; nil for fractions, booleans, strings and huge values.
    static func integer(_ json: Any) -> Int? {
      guard let number = json as? NSNumber else { return nil }
      // Foundation bridges 2.0 and `true` to Int too: look at the stored type.
      let kind = String(cString: number.objCType)
      guard ["s", "i", "l", "q", "S", "I", "L", "Q"].contains(kind) else { return nil }
      return json as? Int
    }

    static func render(_ json: [Any]) -> String {
      guard let data = try? JSONSerialization.data(withJSONObject: json, options: .fragmentsAllowed) else { return "\(json)" }
      return String(decoding: data, as: UTF8.self)
    }
  }
}
