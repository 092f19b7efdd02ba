/// Turns one split's two `.gz` files into checked IDX files, streaming:
/// compressed chunks go through the Inflater straight into the output file
/// and past an `IDXStreamValidator`, so nothing is held whole in memory.
public enum Decompression {
  /// What one split produced.
  public struct Result: Equatable, Sendable {
    /// N, the number of images (and labels).
    public var count: Int
    /// Bytes written for images and labels together.
    public var bytesWritten: Int64
  }

  /// Decompresses images and labels of one split and checks them together.
  ///
  /// Both outputs are written under temporary names and renamed only when
  /// both streams are complete, valid (N x 28 x 28 images, N labels in 0...9)
  /// and agree on N; on any failure neither output is touched.
  /// `progress` gets the compressed bytes consumed so far.
  public static func split(
    imagesGz: String, labelsGz: String, imagesOut: String, labelsOut: String,
    progress: (Int64) -> Void = { _ in }
  ) throws -> Result {
    var imageShape: [Int] = []
    var written: Int64 = 0
    var consumedBefore: Int64 = 0
    // Nested atomic writes: if the labels fail, the images' body throws too, so
    // both temporary files are removed and neither destination changes.
    try AtomicFile.write(to: imagesOut) { imagesWriter in
      let images = try stream(imagesGz, into: imagesWriter, expecting: .digitImages) { progress($0) }
      imageShape = images.shape
      written += images.bytes
      consumedBefore = images.consumed
      try AtomicFile.write(to: labelsOut) { labelsWriter in
        let labels = try stream(labelsGz, into: labelsWriter, expecting: .digitLabels) { progress(consumedBefore + $0) }
        written += labels.bytes
        guard labels.shape[0] == images.shape[0] else {
          throw DataFileError.countMismatch(imagesPath: imagesGz, images: images.shape[0], labelsPath: labelsGz, labels: labels.shape[0])
        }
      }
    }
    return Result(count: imageShape[0], bytesWritten: written)
  }

  /// Inflates `gzPath` into `writer`, validating as it goes.
  static func stream(
    _ gzPath: String, into writer: FileWriter, expecting expectation: IDXStreamValidator.Expectation,
    progress: (Int64) -> Void
  ) throws -> (shape: [Int], bytes: Int64, consumed: Int64) {
    let reader = try FileReader(path: gzPath)
    let inflater = try Inflater(format: .gzip, source: gzPath)
    let validator = IDXStreamValidator(source: gzPath, expecting: expectation)
    var bytes: Int64 = 0
    try reader.forEachChunk { chunk in
      try inflater.feed(chunk) { output in
        try validator.consume(output)
        try writer.write(output)
        bytes += Int64(output.count)
      }
      progress(reader.offset)
    }
    try inflater.finish()
    return (try validator.finish(), bytes, reader.offset)
  }
}
