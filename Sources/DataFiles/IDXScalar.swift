/// An element type that IDX files can hold, with its type byte and its
/// conversion between host order and the big-endian order used on disk.
///
/// `UInt8` (type 0x08) and `Float` (type 0x0D) conform.
public protocol IDXScalar: BitwiseCopyable, Sendable, Equatable {
  /// The IDX type byte (third byte of the file).
  static var idxTypeCode: UInt8 { get }
  /// Converts values just read from disk (big-endian) to host order, in place.
  static func convertFromBigEndian(_ values: UnsafeMutableBufferPointer<Self>)
  /// Writes `values` as big-endian bytes into `bytes` (`values.count * stride` bytes long).
  static func storeBigEndian(_ values: UnsafeBufferPointer<Self>, into bytes: UnsafeMutableRawBufferPointer)
}

extension UInt8: IDXScalar {
  public static var idxTypeCode: UInt8 { 0x08 }
  public static func convertFromBigEndian(_ values: UnsafeMutableBufferPointer<UInt8>) {}
  public static func storeBigEndian(_ values: UnsafeBufferPointer<UInt8>, into bytes: UnsafeMutableRawBufferPointer) {
    bytes.copyMemory(from: UnsafeRawBufferPointer(values))
  }
}

extension Float: IDXScalar {
  public static var idxTypeCode: UInt8 { 0x0D }
  public static func convertFromBigEndian(_ values: UnsafeMutableBufferPointer<Float>) {
    for i in values.indices {
      values[i] = Float(bitPattern: UInt32(bigEndian: values[i].bitPattern))
    }
  }
  public static func storeBigEndian(_ values: UnsafeBufferPointer<Float>, into bytes: UnsafeMutableRawBufferPointer) {
    precondition(bytes.count >= values.count * 4, "output buffer too small")
    for i in values.indices {
      bytes.storeBytes(of: values[i].bitPattern.bigEndian, toByteOffset: i * 4, as: UInt32.self)
    }
  }
}
