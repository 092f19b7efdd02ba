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

  /// `count` images of `height` x `width` that a classifier can tell apart by label, and their
  /// labels: image i has label i % classes and a bright band of rows whose place depends on the
  /// label (band k starts at row k * height / classes), over faint noise from `seed`.
  public static func patterned(count: Int, height: Int, width: Int, classes: Int, seed: UInt64 = 1) -> (images: [UInt8], labels: [UInt8]) {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var pixels: [UInt8] = []
    pixels.reserveCapacity(count * height * width)
    var labels: [UInt8] = []
    let band = max(1, height / max(classes, 1))
    for i in 0..<count {
      let label = i % max(classes, 1)
      for row in 0..<height {
        for _ in 0..<width {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          let noise = UInt8(truncatingIfNeeded: state >> 59)  // 0...31
          pixels.append(row >= label * band && row < label * band + band ? 200 + noise : noise)
        }
      }
      labels.append(UInt8(label))
    }
    return (pixels, labels)
  }

  /// Writes a data folder of ``patterned(count:height:width:classes:seed:)`` images in the layout
  /// vae-decompress writes ({train,test}-{images,labels}.idx), with a classes.txt of `classNames` if given.
  public static func writeDataFolder(
    _ folder: String, height: Int, width: Int, classes: Int, train: Int, test: Int, classNames: [String]? = nil
  ) throws {
    try Files.makeFolder(folder)
    for (split, count, seed) in [("train", train, UInt64(1)), ("test", test, UInt64(2))] {
      let set = patterned(count: count, height: height, width: width, classes: classes, seed: seed)
      try Files.write(uint8(shape: [count, height, width], values: set.images), to: "\(folder)/\(split)-images.idx")
      try Files.write(uint8(shape: [count], values: set.labels), to: "\(folder)/\(split)-labels.idx")
    }
    if let classNames { try Files.write(Array((classNames.joined(separator: "\n") + "\n").utf8), to: folder + "/classes.txt") }
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
