/// Reading and writing IDX files, the format MNIST is distributed in.
///
/// Layout (docs/FORMATS.md, "IDX"): bytes 0-1 are zero, byte 2 is the type
/// (0x08 UInt8, 0x09 Int8, 0x0B Int16, 0x0C Int32, 0x0D Float32, 0x0E Float64),
/// byte 3 the rank r, then r big-endian UInt32 dimensions, then the elements
/// in row-major order, each big-endian. Nothing follows the last element.
///
/// Every reader validates the header against the file size before it
/// allocates anything, and rejects arrays of more than `maxElements`.
public enum IDX {
  /// The largest element count accepted (10^8: the whole of MNIST is 5.5 * 10^7).
  public static let maxElements = 100_000_000

  /// Reads the whole file at `path` as an array of `S`.
  ///
  /// The payload is read once, straight into the array's storage.
  /// Throws if the header is malformed, its type is not `S`'s, or the file
  /// size does not match the shape exactly.
  public static func read<S: IDXScalar>(_ type: S.Type, from path: String) throws -> IDXArray<S> {
    let file = try FileReader(path: path)
    let header = try readHeader(file)
    guard header.typeCode == S.idxTypeCode else {
      throw DataFileError.idxWrongType(path: path, expected: S.idxTypeCode, found: header.typeCode)
    }
    let count = header.shape.reduce(1, *)
    let scalars = try [S](unsafeUninitializedCapacity: count) { buffer, initialized in
      try file.readExactly(into: UnsafeMutableRawBufferPointer(buffer))
      S.convertFromBigEndian(buffer)
      initialized = count
    }
    return IDXArray(shape: header.shape, scalars: scalars)
  }

  /// Reads and validates only the header: the type byte and the shape.
  ///
  /// Cheap (a few bytes and an fstat); it makes every check `read` makes
  /// except the type match, so a caller can check shapes before loading.
  public static func readHeader(_ path: String) throws -> (typeCode: UInt8, shape: [Int]) {
    let header = try readHeader(try FileReader(path: path))
    return (header.typeCode, header.shape)
  }

  /// The same as `readHeader(_:)`, spelled like `read(_:from:)`.
  public static func readHeader(from path: String) throws -> (typeCode: UInt8, shape: [Int]) {
    try readHeader(path)
  }

  /// Writes `array` to `path` atomically (temporary file, fsync, rename).
  public static func write<S: IDXScalar>(_ array: IDXArray<S>, to path: String) throws {
    precondition(array.shape.count <= 255, "IDX rank is one byte")
    precondition(array.shape.allSatisfy { $0 <= Int(UInt32.max) }, "IDX dimensions are UInt32")
    try AtomicFile.write(to: path) { writer in
      try writer.write(headerBytes(typeCode: S.idxTypeCode, shape: array.shape))
      // Convert in bounded chunks so a large Float array is not copied whole.
      let chunk = 1 << 16
      let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * MemoryLayout<S>.stride, alignment: 16)
      defer { scratch.deallocate() }
      try array.scalars.withUnsafeBufferPointer { all in
        var start = 0
        while start < all.count {
          let end = min(start + chunk, all.count)
          let part = UnsafeBufferPointer(rebasing: all[start..<end])
          let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(part.count * MemoryLayout<S>.stride)])
          S.storeBigEndian(part, into: bytes)
          try writer.write(UnsafeRawBufferPointer(bytes))
          start = end
        }
      }
    }
  }

  /// The header bytes for `shape`: 00 00 type rank, then each dimension big-endian.
  public static func headerBytes(typeCode: UInt8, shape: [Int]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, typeCode, UInt8(shape.count)]
    for dimension in shape {
      let d = UInt32(dimension)
      bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
    }
    return bytes
  }

  /// Bytes per element for each IDX type byte, or nil for an unknown byte.
  public static func elementSize(typeCode: UInt8) -> Int? {
    switch typeCode {
    case 0x08, 0x09: return 1
    case 0x0B: return 2
    case 0x0C, 0x0D: return 4
    case 0x0E: return 8
    default: return nil
    }
  }

  /// A short name for a type byte, for messages.
  public static func typeName(_ typeCode: UInt8) -> String {
    switch typeCode {
    case 0x08: return "uint8"
    case 0x09: return "int8"
    case 0x0B: return "int16"
    case 0x0C: return "int32"
    case 0x0D: return "float32"
    case 0x0E: return "float64"
    default: return "unknown"
    }
  }

  /// Parses the header from the start of `file` and checks it against the file size.
  static func readHeader(_ file: FileReader) throws -> (typeCode: UInt8, shape: [Int]) {
    guard file.size >= 4 else { throw DataFileError.idxTooShort(path: file.path, size: file.size) }
    let fixed = try file.readExactly(count: 4)
    let rank = Int(fixed[3])
    let headerSize = Int64(4 + 4 * rank)
    try checkFixedPart(fixed, path: file.path)
    guard file.size >= headerSize else {
      throw DataFileError.idxSizeMismatch(path: file.path, shape: [], expectedBytes: headerSize, foundBytes: file.size)
    }
    let dimensionBytes = try file.readExactly(count: 4 * rank)
    let shape = try checkedShape(typeCode: fixed[2], dimensionBytes: dimensionBytes, path: file.path)
    let expected = headerSize + Int64(shape.reduce(1, *) * (elementSize(typeCode: fixed[2]) ?? 1))
    guard expected == file.size else {
      throw DataFileError.idxSizeMismatch(path: file.path, shape: shape, expectedBytes: expected, foundBytes: file.size)
    }
    return (fixed[2], shape)
  }

  /// Checks the magic zeros and the type byte.
  static func checkFixedPart(_ fixed: [UInt8], path: String) throws {
    guard fixed[0] == 0, fixed[1] == 0 else { throw DataFileError.idxBadMagic(path: path, firstBytes: fixed) }
    guard elementSize(typeCode: fixed[2]) != nil else { throw DataFileError.idxUnknownType(path: path, code: fixed[2]) }
  }

  /// Decodes the big-endian dimensions and rejects element counts over `maxElements`
  /// (counting only the non-zero dimensions, so every product of dimensions fits in Int).
  static func checkedShape(typeCode: UInt8, dimensionBytes: [UInt8], path: String) throws -> [Int] {
    var raw: [UInt32] = []
    for i in stride(from: 0, to: dimensionBytes.count, by: 4) {
      raw.append(
        UInt32(dimensionBytes[i]) << 24 | UInt32(dimensionBytes[i + 1]) << 16
          | UInt32(dimensionBytes[i + 2]) << 8 | UInt32(dimensionBytes[i + 3]))
    }
    // Multiply in UInt64 with overflow checks: 255 dimensions of 2^32 overflow anything.
    // A zero dimension makes the array empty, but the other dimensions still have to
    // fit: callers multiply them (the item size of [0, 2^32 - 1, 2^32 - 1] overflows Int).
    var count: UInt64 = 1
    for d in raw where d != 0 {
      let (product, overflow) = count.multipliedReportingOverflow(by: UInt64(d))
      if overflow || product > UInt64(maxElements) {
        throw DataFileError.idxTooManyElements(path: path, shape: raw, limit: maxElements)
      }
      count = product
    }
    return raw.map { Int($0) }
  }
}
