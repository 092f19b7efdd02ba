import DataFiles

/// A safetensors file in memory: tensors in file order plus the string map
/// `__metadata__`. The layout is in docs/FORMATS.md ("Checkpoints"):
///
///     [N: UInt64 little-endian][N bytes JSON header, space-padded][data section]
///
/// `encoded()` and `write(to:)` add `metadata["crc32"]`, the CRC-32 of the
/// data section, which `decode` checks whenever the key is present. Output is
/// byte-for-byte reproducible: `__metadata__` first with its keys sorted,
/// then the tensors in array order, packed with no gaps.
public struct SafeTensorsFile: Sendable, Equatable {
  /// Tensors in file (data) order.
  public var tensors: [Tensor]
  /// Free-form string pairs stored as `__metadata__`.
  public var metadata: [String: String]

  /// The key holding the data section's CRC-32 as 8 lower-case hex digits.
  public static let checksumKey = "crc32"
  /// The largest header accepted, in bytes (the reference implementation's 100 MB cap).
  public static let maximumHeaderSize = 100_000_000
  /// The most tensors a header may list. A DigitVAE checkpoint holds a few dozen
  /// (model, two Adam moments, training state); without a cap, 300,000 empty tensors
  /// fit under the header cap and took 1.27 GB to read.
  public static let maximumTensorCount = 10_000
  /// The most `__metadata__` entries (ours write five or six).
  public static let maximumMetadataEntries = 1_000
  /// The most JSON values (strings, numbers, arrays, objects, ...) in a header: 10,000
  /// tensors of rank 4 need about 110,000. Bounds the parser's memory whatever the text.
  public static let maximumHeaderValues = 250_000

  public init(tensors: [Tensor], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The first tensor called `name`, or nil.
  public subscript(name: String) -> Tensor? {
    tensors.first { $0.name == name }
  }

  /// The tensor called `name`; throws `missingTensor` listing the names present.
  public func tensor(_ name: String) throws -> Tensor {
    guard let found = self[name] else { throw CheckpointError.missingTensor(name: name, available: tensors.map(\.name)) }
    return found
  }

  /// CRC-32 (zlib polynomial) of the data section: every tensor's bytes in order.
  public var dataChecksum: UInt32 {
    tensors.reduce(0) { Zlib.crc32($1.bytes, initial: $0) }
  }

  /// The whole file: length, header (with `crc32` set) and data.
  ///
  /// Preconditions (programmer errors): tensor names are unique and none is
  /// `__metadata__`; each tensor's byte count fits its dtype and shape.
  public func encoded() -> [UInt8] {
    let header = headerBytes()
    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count + tensors.reduce(0) { $0 + $1.bytes.count })
    out += lengthPrefix(header.count)
    out += header
    for tensor in tensors { out += tensor.bytes }
    return out
  }

  /// Bytes 0..<8: the header length N as a little-endian UInt64.
  func lengthPrefix(_ n: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) }
  }

  /// The JSON header, padded with spaces (0x20) so that 8 + N is a multiple
  /// of 8 and the data section starts 8-byte aligned.
  func headerBytes() -> [UInt8] {
    var seen = Set<String>()
    for tensor in tensors {
      precondition(tensor.name != "__metadata__", "a tensor cannot be named __metadata__")
      precondition(seen.insert(tensor.name).inserted, "two tensors are named \(tensor.name)")
      precondition(tensor.shape.allSatisfy { $0 >= 0 }, "tensor \(tensor.name): negative dimension in \(tensor.shape)")
      precondition(
        tensor.elementCount * tensor.dtype.byteSize == tensor.bytes.count,
        "tensor \(tensor.name): \(tensor.bytes.count) bytes do not fit \(tensor.dtype.rawValue) shape \(tensor.shape)")
    }
    var pairs = metadata
    pairs[Self.checksumKey] = hex8(dataChecksum)

    // {"__metadata__":{"k":"v",...},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}
    // Built by hand because JSONSerialization cannot keep keys in file order.
    var json = "{" + StrictJSON.quote("__metadata__") + ":{"
    json += pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      .map { StrictJSON.quote($0.key) + ":" + StrictJSON.quote($0.value) }
      .joined(separator: ",")
    json += "}"
    var offset = 0
    for tensor in tensors {
      let end = offset + tensor.bytes.count
      json += "," + StrictJSON.quote(tensor.name) + ":{\"dtype\":\"" + tensor.dtype.rawValue + "\""
      json += ",\"shape\":[" + tensor.shape.map(String.init).joined(separator: ",") + "]"
      json += ",\"data_offsets\":[\(offset),\(end)]}"
      offset = end
    }
    json += "}"
    var bytes = Array(json.utf8)
    bytes += [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8)
    return bytes
  }
}
