/// One named tensor: dtype, shape and its raw little-endian, row-major bytes.
///
/// A shape of `[]` is a scalar (one element); a shape with a 0 is an empty
/// tensor (no bytes). The typed initialisers and accessors convert between
/// Swift arrays and the little-endian bytes the file stores.
public struct Tensor: Sendable, Equatable {
  public var name: String
  public var dtype: TensorDType
  public var shape: [Int]
  /// Raw little-endian element bytes, row-major, `elementCount * dtype.byteSize` of them.
  public var bytes: [UInt8]

  /// Wraps raw little-endian bytes; `bytes.count` must match shape and dtype.
  public init(name: String, dtype: TensorDType, shape: [Int], bytes: [UInt8]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "tensor \(name): negative dimension in shape \(shape)")
    precondition(
      Tensor.elementCount(shape) * dtype.byteSize == bytes.count,
      "tensor \(name): \(bytes.count) bytes do not fit \(dtype.rawValue) shape \(shape)")
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  public init(name: String, floats: [Float], shape: [Int]) {
    self.init(name: name, dtype: .f32, shape: shape, bytes: Tensor.encode(floats.map(\.bitPattern)))
  }

  public init(name: String, doubles: [Double], shape: [Int]) {
    self.init(name: name, dtype: .f64, shape: shape, bytes: Tensor.encode(doubles.map(\.bitPattern)))
  }

  public init(name: String, uint64s: [UInt64], shape: [Int]) {
    self.init(name: name, dtype: .u64, shape: shape, bytes: Tensor.encode(uint64s))
  }

  public init(name: String, int64s: [Int64], shape: [Int]) {
    self.init(name: name, dtype: .i64, shape: shape, bytes: Tensor.encode(int64s))
  }

  public init(name: String, uint8s: [UInt8], shape: [Int]) {
    self.init(name: name, dtype: .u8, shape: shape, bytes: uint8s)
  }

  /// Number of elements: the product of `shape` (1 for a scalar).
  public var elementCount: Int { Tensor.elementCount(shape) }

  /// The elements of an F32 tensor; throws `wrongDType` for any other dtype.
  public func floats() throws -> [Float] {
    try expect(.f32)
    return Tensor.decode(bytes, as: UInt32.self).map(Float.init(bitPattern:))
  }

  /// The elements of an F64 tensor.
  public func doubles() throws -> [Double] {
    try expect(.f64)
    return Tensor.decode(bytes, as: UInt64.self).map(Double.init(bitPattern:))
  }

  /// The elements of a U64 tensor.
  public func uint64s() throws -> [UInt64] {
    try expect(.u64)
    return Tensor.decode(bytes, as: UInt64.self)
  }

  /// The elements of an I64 tensor.
  public func int64s() throws -> [Int64] {
    try expect(.i64)
    return Tensor.decode(bytes, as: Int64.self)
  }

  /// The elements of a U8 tensor.
  public func uint8s() throws -> [UInt8] {
    try expect(.u8)
    return bytes
  }

  private func expect(_ wanted: TensorDType) throws {
    guard dtype == wanted else { throw CheckpointError.wrongDType(tensor: name, expected: wanted, found: dtype) }
  }

  static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// Little-endian bytes of `values`.
  static func encode<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    #if _endian(little)
    return values.withUnsafeBytes { Array($0) }
    #else
    return values.map(\.littleEndian).withUnsafeBytes { Array($0) }
    #endif
  }

  /// Values from little-endian bytes; `bytes.count` is a multiple of the size of `T`.
  static func decode<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> [T] {
    let count = bytes.count / MemoryLayout<T>.size
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes { source in
        // The tensor's bytes sit at any offset, so copy rather than rebind.
        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count * MemoryLayout<T>.size]))
      }
      initialized = count
    }
    #if _endian(little)
    return values
    #else
    return values.map { T(littleEndian: $0) }
    #endif
  }
}
