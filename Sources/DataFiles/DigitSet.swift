/// One split of a digit data set: N images of 28 x 28 pixels and their labels 0-9.
///
/// The files are `<folder>/<split>-images.idx` (UInt8, N x 28 x 28) and
/// `<folder>/<split>-labels.idx` (UInt8, N), as `vae-decompress` writes them.
public struct DigitSet: Sendable, Equatable {
  /// The two halves of a split, and the file each lives in.
  public enum Member: String, CaseIterable, Sendable {
    case images, labels

    /// `train-images.idx` and the like.
    public func fileName(_ split: Split) -> String { "\(split.rawValue)-\(rawValue).idx" }
  }

  /// Image side in pixels.
  public static let side = 28
  /// Labels are 0...maxLabel.
  public static let maxLabel: UInt8 = 9

  /// `[N, 28, 28]` pixels, 0 = background, 255 = ink.
  public var images: IDXArray<UInt8>
  /// `[N]` labels in 0...9.
  public var labels: [UInt8]

  /// The number of items N.
  public var count: Int { labels.count }

  /// Pairs already-checked images and labels (a programmer error if the counts differ).
  public init(images: IDXArray<UInt8>, labels: [UInt8]) {
    precondition(images.itemCount == labels.count, "image and label counts differ")
    self.images = images
    self.labels = labels
  }

  /// The path of one member of a split inside `folder`.
  public static func path(folder: String, split: Split, member: Member) -> String {
    folder + "/" + member.fileName(split)
  }

  /// Loads and checks images and labels of `split` from `folder`.
  ///
  /// Throws if either file is not a valid UInt8 IDX, the images are not
  /// N x 28 x 28, the label count differs from N, or a label lies outside 0...9
  /// (the error names the file, the index and the value).
  public static func load(folder: String, split: Split) throws -> DigitSet {
    let imagesPath = path(folder: folder, split: split, member: .images)
    let labelsPath = path(folder: folder, split: split, member: .labels)
    // Headers first: a count mismatch is reported before 47 MB are read.
    let imageHeader = try IDX.readHeader(imagesPath)
    try checkImageShape(imageHeader.shape, path: imagesPath)
    let labelHeader = try IDX.readHeader(labelsPath)
    try checkLabelShape(labelHeader.shape, path: labelsPath)
    if imageHeader.shape[0] != labelHeader.shape[0] {
      throw DataFileError.countMismatch(
        imagesPath: imagesPath, images: imageHeader.shape[0], labelsPath: labelsPath, labels: labelHeader.shape[0])
    }
    let labels = try loadLabels(path: labelsPath)
    let images = try loadImages(path: imagesPath)
    // The files may have changed between the header check and the read.
    guard images.itemCount == labels.count else {
      throw DataFileError.countMismatch(imagesPath: imagesPath, images: images.itemCount, labelsPath: labelsPath, labels: labels.count)
    }
    return DigitSet(images: images, labels: labels)
  }

  /// Loads only the images of `split` (checked to be N x 28 x 28 UInt8).
  public static func loadImages(folder: String, split: Split) throws -> IDXArray<UInt8> {
    try loadImages(path: path(folder: folder, split: split, member: .images))
  }

  /// Loads only the labels of `split` (checked to be rank 1, each in 0...9).
  public static func loadLabels(folder: String, split: Split) throws -> [UInt8] {
    try loadLabels(path: path(folder: folder, split: split, member: .labels))
  }

  /// Loads an images file at any path, checked to be N x 28 x 28 UInt8.
  public static func loadImages(path: String) throws -> IDXArray<UInt8> {
    try checkImageShape(IDX.readHeader(path).shape, path: path)
    let images = try IDX.read(UInt8.self, from: path)
    try checkImageShape(images.shape, path: path)
    return images
  }

  /// Loads a labels file at any path, checked to be rank 1 UInt8 with values in 0...9.
  public static func loadLabels(path: String) throws -> [UInt8] {
    let labels = try IDX.read(UInt8.self, from: path)
    try checkLabelShape(labels.shape, path: path)
    try labels.scalars.withUnsafeBufferPointer { try checkLabels($0, firstIndex: 0, path: path) }
    return labels.scalars
  }

  /// Throws unless `shape` is N x 28 x 28.
  public static func checkImageShape(_ shape: [Int], path: String) throws {
    guard shape.count == 3, shape[1] == side, shape[2] == side else {
      throw DataFileError.shapeMismatch(path: path, expected: "N x 28 x 28", found: shape)
    }
  }

  /// Throws unless `shape` is rank 1 (N labels).
  public static func checkLabelShape(_ shape: [Int], path: String) throws {
    guard shape.count == 1 else { throw DataFileError.shapeMismatch(path: path, expected: "N (rank 1)", found: shape) }
  }

  /// Throws `labelOutOfRange` for the first label above 9; `firstIndex` is the
  /// index of `labels[0]` in the whole file (for streaming checks).
  public static func checkLabels(_ labels: UnsafeBufferPointer<UInt8>, firstIndex: Int, path: String) throws {
    for i in labels.indices where labels[i] > maxLabel {
      throw DataFileError.labelOutOfRange(path: path, index: firstIndex + i, value: labels[i])
    }
  }
}
