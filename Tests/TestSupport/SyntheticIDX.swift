import DataFiles

/// Builds small IDX files and MNIST-style `.gz` folders for tests, by hand
/// (not through `IDX.write`), so the reader is checked against independent bytes.
public enum SyntheticIDX {
  /// Header + payload: 00 00 type rank, big-endian UInt32 dimensions, then `payload` as is.
  public static func bytes(typeCode: UInt8, shape: [UInt32], payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, typeCode, UInt8(shape.count)]
    for d in shape { out += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return out + payload
  }

  /// A UInt8 (0x08) IDX file.
  public static func uint8(shape: [Int], values: [UInt8]) -> [UInt8] {
    bytes(typeCode: 0x08, shape: shape.map { UInt32($0) }, payload: values)
  }

  /// A Float32 (0x0D) IDX file, each value big-endian.
  public static func float32(shape: [Int], values: [Float]) -> [UInt8] {
    var payload: [UInt8] = []
    for v in values {
      let b = v.bitPattern
      payload += [UInt8(b >> 24), UInt8(b >> 16 & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b & 0xFF)]
    }
    return bytes(typeCode: 0x0D, shape: shape.map { UInt32($0) }, payload: payload)
  }

  /// Deterministic pixels for `count` 28 x 28 images: image i, pixel p = (i * 7 + p * 3) % 256.
  public static func imagePixels(count: Int) -> [UInt8] {
    (0..<(count * 784)).map { UInt8(truncatingIfNeeded: ($0 / 784) * 7 + ($0 % 784) * 3) }
  }

  /// `count` labels cycling 0...9 (label i = i % 10).
  public static func labelValues(count: Int) -> [UInt8] {
    (0..<count).map { UInt8($0 % 10) }
  }

  /// An images IDX: `count` x 28 x 28.
  public static func images(count: Int) -> [UInt8] {
    uint8(shape: [count, 28, 28], values: imagePixels(count: count))
  }

  /// A labels IDX: `count` labels, or the given values.
  public static func labels(count: Int) -> [UInt8] {
    uint8(shape: [count], values: labelValues(count: count))
  }

  /// gzip of `bytes`.
  public static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    try Zlib.compress(bytes, format: .gzip, level: 6)
  }

  /// The four compressed files of a tiny MNIST-layout data set, by mirror file name.
  public static func rawDataset(train: Int = 30, test: Int = 10) throws -> [String: [UInt8]] {
    [
      "train-images-idx3-ubyte.gz": try gzip(images(count: train)),
      "train-labels-idx1-ubyte.gz": try gzip(labels(count: train)),
      "t10k-images-idx3-ubyte.gz": try gzip(images(count: test)),
      "t10k-labels-idx1-ubyte.gz": try gzip(labels(count: test)),
    ]
  }

  /// A `sha256sum`-style list for `files`.
  public static func sums(_ files: [String: [UInt8]]) -> String {
    files.keys.sorted().map { Hex.string(SHA256.hash(files[$0] ?? [])) + "  " + $0 }.joined(separator: "\n") + "\n"
  }
}
