/// One split of a data set: N images of H x W pixels (28 x 28 for the built-in
/// sets) and their labels 0...K-1 (K = 10 for them).
///
/// The files are `<folder>/<split>-images.idx` (UInt8, N x H x W) and
/// `<folder>/<split>-labels.idx` (UInt8, N), as `vae-decompress` writes them.
public struct DigitSet: Sendable, Equatable {
  /// The two halves of a split, and the file each lives in.
  public enum Member: String, CaseIterable, Sendable {
    case images, labels

    /// `train-images.idx` and the like.
    public func fileName(_ split: Split) -> String { "\(split.rawValue)-\(rawValue).idx" }
  }

  /// Image side of the built-in data sets (``DatasetDescriptor/mnist`` and its kin), in pixels.
  public static let side = 28

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

  /// Loads and checks images and labels of `split` from `folder`, a folder of `dataset`.
  ///
  /// Throws if either file is not a valid UInt8 IDX, the images are not
  /// N x H x W of the data set's size, the label count differs from N, or a label
  /// reaches the data set's class count (the error names the file, the index and the value).
  public static func load(folder: String, split: Split, dataset: DatasetDescriptor = .mnist) throws -> DigitSet {
    let imagesPath = path(folder: folder, split: split, member: .images)
    let labelsPath = path(folder: folder, split: split, member: .labels)
    // Headers first: a count mismatch is reported before 47 MB are read.
    let imageHeader = try IDX.readHeader(imagesPath)
    try checkImageShape(imageHeader.shape, path: imagesPath, height: dataset.height, width: dataset.width)
    let labelHeader = try IDX.readHeader(labelsPath)
    try checkLabelShape(labelHeader.shape, path: labelsPath)
    if imageHeader.shape[0] != labelHeader.shape[0] {
      throw DataFileError.countMismatch(
        imagesPath: imagesPath, images: imageHeader.shape[0], labelsPath: labelsPath, labels: labelHeader.shape[0])
    }
    let labels = try loadLabels(path: labelsPath, classes: dataset.classCount)
    let images = try loadImages(path: imagesPath)
    try checkImageShape(images.shape, path: imagesPath, height: dataset.height, width: dataset.width)
    // The files may have changed between the header check and the read.
    guard images.itemCount == labels.count else {
      throw DataFileError.countMismatch(imagesPath: imagesPath, images: images.itemCount, labelsPath: labelsPath, labels: labels.count)
    }
    return DigitSet(images: images, labels: labels)
  }

  /// Loads only the images of `split` (checked to be N x H x W UInt8, of any size).
  public static func loadImages(folder: String, split: Split) throws -> IDXArray<UInt8> {
    try loadImages(path: path(folder: folder, split: split, member: .images))
  }

  /// Loads only the labels of `split`, checked to be rank 1 and below `classes` (10 for the built-in sets).
  public static func loadLabels(folder: String, split: Split, classes: Int = 10) throws -> [UInt8] {
    try loadLabels(path: path(folder: folder, split: split, member: .labels), classes: classes)
  }

  /// Loads an images file at any path, checked to be N x H x W UInt8 (any size within the
  /// ceilings; the stages compare it with the model's or the data set's size).
  public static func loadImages(path: String) throws -> IDXArray<UInt8> {
    try checkAnyImageShape(IDX.readHeader(path).shape, path: path)
    let images = try IDX.read(UInt8.self, from: path)
    try checkAnyImageShape(images.shape, path: path)
    return images
  }

  /// Loads a labels file at any path, checked to be rank 1 UInt8 with values below `classes`.
  public static func loadLabels(path: String, classes: Int) throws -> [UInt8] {
    let labels = try IDX.read(UInt8.self, from: path)
    try checkLabelShape(labels.shape, path: path)
    try labels.scalars.withUnsafeBufferPointer { try checkLabels($0, firstIndex: 0, path: path, classes: classes) }
    return labels.scalars
  }

  /// Throws unless `shape` is N x 28 x 28 (the built-in data sets' images).
  public static func checkImageShape(_ shape: [Int], path: String) throws {
    try checkImageShape(shape, path: path, height: side, width: side)
  }

  /// Throws unless `shape` is N x height x width.
  public static func checkImageShape(_ shape: [Int], path: String, height: Int, width: Int) throws {
    guard shape.count == 3, shape[1] == height, shape[2] == width else {
      throw DataFileError.shapeMismatch(path: path, expected: "N x \(height) x \(width)", found: shape)
    }
  }

  /// Throws unless `shape` is N x H x W with sides of 1...4096 and at most 2^20 pixels an image.
  public static func checkAnyImageShape(_ shape: [Int], path: String) throws {
    guard shape.count == 3, (1...DatasetDescriptor.maxSide).contains(shape[1]), (1...DatasetDescriptor.maxSide).contains(shape[2]),
      shape[1] * shape[2] <= DatasetDescriptor.maxPixels
    else {
      throw DataFileError.shapeMismatch(
        path: path, expected: "N x H x W (N images of H x W pixels, as MNIST's N x 28 x 28; sides up to \(DatasetDescriptor.maxSide), \(DatasetDescriptor.maxPixels) pixels at most)",
        found: shape)
    }
  }

  /// Throws unless `shape` is rank 1 (N labels).
  public static func checkLabelShape(_ shape: [Int], path: String) throws {
    guard shape.count == 1 else { throw DataFileError.shapeMismatch(path: path, expected: "N (rank 1)", found: shape) }
  }

  /// Throws `labelOutOfRange` for the first label not below `classes`; `firstIndex` is the
  /// index of `labels[0]` in the whole file (for streaming checks).
  public static func checkLabels(_ labels: UnsafeBufferPointer<UInt8>, firstIndex: Int, path: String, classes: Int) throws {
    for i in labels.indices where Int(labels[i]) >= classes {
      throw DataFileError.labelOutOfRange(path: path, index: firstIndex + i, value: labels[i], classes: classes)
    }
  }
}
