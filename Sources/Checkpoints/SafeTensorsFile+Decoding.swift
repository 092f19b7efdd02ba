import DataFiles

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

    // Bytes 8..<8+N: the JSON header.
    let header = Array(bytes[8..<dataStart])
    let members = try parseHeader(header, source: source)
    var metadata: [String: String] = [:]
    var entries: [Entry] = []
    entries.reserveCapacity(members.count)
    var seen = Set<String>(minimumCapacity: members.count)
    for member in members {
      guard seen.insert(member.key).inserted else { throw CheckpointError.duplicateTensor(source: source, name: member.key) }
      if member.key == "__metadata__" {
        metadata = try parseMetadata(member.value, source: source)
      } else {
        entries.append(try Entry(name: member.key, json: member.value, position: entries.count, source: source))
      }
    }
    if entries.count > maximumTensorCount {
      throw CheckpointError.tooManyTensors(source: source, limit: maximumTensorCount)
    }

    // The data section: tensors sorted by offset must tile it exactly.
    entries.sort { ($0.begin, $0.end, $0.position) < ($1.begin, $1.end, $1.position) }
    try checkTiling(entries, dataStart: dataStart, fileSize: bytes.count, source: source)
    try checkChecksum(metadata, bytes: bytes, dataStart: dataStart, requireChecksum: requireChecksum, source: source)

    let tensors = entries.map { entry in
      Tensor(
        name: entry.name, dtype: entry.dtype, shape: entry.shape,
        bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]))
    }
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// Throws unless `entries`, sorted by offset, tile the data section exactly: no gap, no overlap, nothing past or short of its end.
  private static func checkTiling(_ entries: [Entry], dataStart: Int, fileSize: Int, source: String) throws {
    let dataSize = fileSize - dataStart
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
      throw CheckpointError.truncated(source: source, expectedSize: dataStart + packedEnd, fileSize: fileSize)
    }
    if packedEnd < dataSize {
      throw CheckpointError.unclaimedBytes(source: source, dataSize: dataSize, claimed: packedEnd)
    }
  }

  /// Checks the data section against the `crc32` in `metadata`; with `requireChecksum`, refuses a file without one.
  private static func checkChecksum(
    _ metadata: [String: String], bytes: [UInt8], dataStart: Int, requireChecksum: Bool, source: String
  ) throws {
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
  }

  /// The header's top-level members in file order (duplicates kept for the caller to refuse).
  private static func parseHeader(_ header: [UInt8], source: String) throws -> [StrictJSON.Member] {
    guard let first = header.first else { throw CheckpointError.headerNotJSON(source: source, detail: "the header is empty") }
    guard first == UInt8(ascii: "{") else {
      throw CheckpointError.headerNotJSON(source: source, detail: "it starts with byte 0x\(String(first, radix: 16)), expected '{'")
    }
    guard String(validating: header, as: UTF8.self) != nil else {
      throw CheckpointError.headerNotJSON(source: source, detail: "it is not valid UTF-8")
    }
    // One member more than the tensors allowed: `__metadata__`.
    let limits = StrictJSON.Limits(depth: 64, values: maximumHeaderValues, topLevelMembers: maximumTensorCount + 1)
    let parsed: StrictJSON.Value
    do {
      parsed = try StrictJSON.parse(header, limits: limits)
    } catch {
      switch error.ceiling {
      case .topLevelMembers?: throw CheckpointError.tooManyTensors(source: source, limit: maximumTensorCount)
      case .values?, .depth?: throw CheckpointError.headerCeiling(source: source, detail: error.detail)
      case nil: throw CheckpointError.headerNotJSON(source: source, detail: error.detail)
      }
    }
    guard case let .object(members) = parsed else {
      throw CheckpointError.headerNotJSON(source: source, detail: "the top level is not an object")
    }
    return members
  }

  private static func parseMetadata(_ json: StrictJSON.Value, source: String) throws -> [String: String] {
    guard case let .object(members) = json else {
      throw CheckpointError.badMetadata(source: source, detail: "is not an object of strings")
    }
    guard members.count <= maximumMetadataEntries else {
      throw CheckpointError.badMetadata(
        source: source, detail: "has \(members.count) entries, more than the limit of \(maximumMetadataEntries)")
    }
    var metadata: [String: String] = [:]
    for member in members {
      guard case let .string(text) = member.value else {
        throw CheckpointError.badMetadata(source: source, detail: "the value of \"\(member.key)\" is not a string")
      }
      guard metadata.updateValue(text, forKey: member.key) == nil else {
        throw CheckpointError.badMetadata(source: source, detail: "the key \"\(member.key)\" appears twice")
      }
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

    init(name: String, json: StrictJSON.Value, position: Int, source: String) throws {
      func bad(_ detail: String) -> CheckpointError { .badTensorEntry(source: source, tensor: name, detail: detail) }
      guard case let .object(members) = json else { throw bad("the entry is not an object") }
      var fields: [String: StrictJSON.Value] = [:]
      for member in members {
        guard ["dtype", "shape", "data_offsets"].contains(member.key) else { throw bad("unknown key \"\(member.key)\"") }
        guard fields.updateValue(member.value, forKey: member.key) == nil else { throw bad("the key \"\(member.key)\" appears twice") }
      }
      guard case let .string(dtypeName)? = fields["dtype"] else { throw bad("\"dtype\" is missing or not a string") }
      guard let dtype = TensorDType(rawValue: dtypeName) else {
        throw CheckpointError.unknownDType(source: source, tensor: name, found: dtypeName)
      }
      guard case let .array(shapeJSON)? = fields["shape"] else { throw bad("\"shape\" is missing or not an array") }
      let shape = shapeJSON.map(\.integer)
      guard shape.allSatisfy({ ($0 ?? -1) >= 0 }) else {
        throw bad("shape \(StrictJSON.Value.array(shapeJSON).rendered) is not a list of non-negative integers")
      }
      guard case let .array(offsetsJSON)? = fields["data_offsets"] else { throw bad("\"data_offsets\" is missing or not an array") }
      guard offsetsJSON.count == 2 else { throw bad("data_offsets has \(offsetsJSON.count) values, expected 2") }
      guard let begin = offsetsJSON[0].integer, let end = offsetsJSON[1].integer, begin >= 0, begin <= end else {
        throw CheckpointError.offsetsOutOfRange(source: source, tensor: name, found: StrictJSON.Value.array(offsetsJSON).rendered)
      }
      let dimensions = shape.compactMap { $0 }
      // The non-zero dimensions must fit even when a zero makes the tensor empty, as for
      // IDX: a reader multiplying [0, 2^40, 2^40] in another order would overflow.
      var expected = dtype.byteSize
      for dimension in dimensions where dimension != 0 {
        let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
        guard !overflow else { throw bad("shape \(dimensions) has more bytes than fit in 64 bits") }
        expected = product
      }
      if dimensions.contains(0) { expected = 0 }
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
  }
}
