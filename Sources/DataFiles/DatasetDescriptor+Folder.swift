import Foundation

/// A data folder's descriptor: read from its `dataset.json`, or worked out from
/// the files of a folder a user made.
extension DatasetDescriptor {
  /// The descriptor of the data folder `folder`, checked against its files.
  ///
  /// A folder `vae-decompress` wrote holds `dataset.json`. Any other folder of
  /// `{train,test}-{images,labels}.idx` is described from its files: the name is
  /// the folder's, the image size comes from the IDX headers, and the classes are
  /// the lines of an optional `classes.txt` or else the numbers 0...K-1, K being
  /// one more than the largest label.
  ///
  /// Either way the files must agree with it: train and test images N x H x W of
  /// the descriptor's size, as many labels as images, every label below K, and a
  /// `classes.txt` with exactly K lines. The first fault is thrown naming its file.
  /// A folder without both label files holds images without labels (no classes): a
  /// plain VAE trains on it; the models and scores that need labels refuse it.
  public static func read(folder: String) throws -> DatasetDescriptor {
    let shapes = try Self.shapes(folder: folder)
    let labels = try [Split.train, .test].map { split in
      shapes.labelled ? try IDX.read(UInt8.self, from: DigitSet.path(folder: folder, split: split, member: .labels)).scalars : []
    }
    let largest = Int(labels.lazy.compactMap { $0.max() }.max() ?? 0)
    let descriptorPath = folder + "/" + fileName
    let classesPath = folder + "/" + classesFileName
    let descriptor: DatasetDescriptor
    if FileManager.default.fileExists(atPath: descriptorPath) {
      let text = String(decoding: try FileReader.contents(of: descriptorPath, limit: 1 << 20), as: UTF8.self)
      descriptor = try parse(text, source: descriptorPath)
    } else {
      let names: [String]
      if !shapes.labelled {
        names = []
      } else if FileManager.default.fileExists(atPath: classesPath) {
        names = try classNames(path: classesPath)
        // Fewer names than labels is caught below, naming the first label beyond them.
        guard names.count <= largest + 1 else {
          throw DataFileError.badDataset(
            path: classesPath,
            reason: "names \(names.count) classes but the labels run 0...\(largest) (\(largest + 1) classes); give one name per label, one per line")
        }
      } else {
        names = (0...largest).map(String.init)
      }
      descriptor = DatasetDescriptor(
        name: folderName(folder), title: folderName(folder), classes: names, height: shapes.height, width: shapes.width, noun: "class")
      if let problem = descriptor.problem { throw DataFileError.badDataset(path: folder, reason: problem) }
    }
    let imagesPath = DigitSet.path(folder: folder, split: .train, member: .images)
    guard shapes.height == descriptor.height, shapes.width == descriptor.width else {
      throw DataFileError.shapeMismatch(path: imagesPath, expected: "N x \(descriptor.sizeText)", found: [shapes.trainCount, shapes.height, shapes.width])
    }
    for (split, values) in zip([Split.train, .test], labels) {
      try values.withUnsafeBufferPointer {
        try DigitSet.checkLabels($0, firstIndex: 0, path: DigitSet.path(folder: folder, split: split, member: .labels), classes: descriptor.classCount)
      }
    }
    return descriptor
  }

  /// Writes this descriptor to `folder/dataset.json` (atomically).
  public func write(folder: String) throws {
    try AtomicFile.write(text: json(pretty: true) + "\n", to: folder + "/" + Self.fileName)
  }

  /// The image size and counts of a data folder, from the headers: train and test images
  /// must be N x H x W of one size, and each label file, when there are both, must be
  /// rank 1 with one label per image.
  static func shapes(folder: String) throws -> (height: Int, width: Int, trainCount: Int, labelled: Bool) {
    var size: (height: Int, width: Int)?
    var trainCount = 0
    let labelFiles = [Split.train, .test].map { DigitSet.path(folder: folder, split: $0, member: .labels) }
    // Labels count only when both splits have them; a folder with one label file is read as unlabelled.
    let labelled = labelFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) }
    for split in [Split.train, .test] {
      let imagesPath = DigitSet.path(folder: folder, split: split, member: .images)
      let labelsPath = DigitSet.path(folder: folder, split: split, member: .labels)
      let needed = labelled ? [imagesPath, labelsPath] : [imagesPath]
      for path in needed where !FileManager.default.fileExists(atPath: path) {
        throw DataFileError.missingFile(path: path, hint: "a data folder holds {train,test}-{images,labels}.idx (vae-decompress writes them)")
      }
      let images = try IDX.readHeader(imagesPath)
      try DigitSet.checkAnyImageShape(images.shape, path: imagesPath)
      guard images.typeCode == UInt8.idxTypeCode else {
        throw DataFileError.idxWrongType(path: imagesPath, expected: UInt8.idxTypeCode, found: images.typeCode)
      }
      if labelled {
        let labels = try IDX.readHeader(labelsPath)
        try DigitSet.checkLabelShape(labels.shape, path: labelsPath)
        if images.shape[0] != labels.shape[0] {
          throw DataFileError.countMismatch(imagesPath: imagesPath, images: images.shape[0], labelsPath: labelsPath, labels: labels.shape[0])
        }
      }
      let found = (height: images.shape[1], width: images.shape[2])
      if let size, size != found {
        throw DataFileError.shapeMismatch(path: imagesPath, expected: "N x \(size.height) x \(size.width) like the training images", found: images.shape)
      }
      if split == .train { trainCount = images.shape[0] }
      size = found
    }
    return (size?.height ?? 0, size?.width ?? 0, trainCount, labelled)
  }

  /// The lines of a `classes.txt`: one name per line, surrounding spaces and a final
  /// newline ignored; an empty line or a file without names is refused.
  static func classNames(path: String) throws -> [String] {
    let text = String(decoding: try FileReader.contents(of: path, limit: 1 << 20), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces.union(["\r"])) }
    if lines.last == "" { lines.removeLast() }
    if let empty = lines.firstIndex(of: "") {
      throw DataFileError.badDataset(path: path, reason: "line \(empty + 1) is empty; give one class name per line")
    }
    guard !lines.isEmpty else { throw DataFileError.badDataset(path: path, reason: "names no class; give one class name per line") }
    return lines
  }

  /// A data set name from a folder path: its last component, other characters than
  /// letters, digits, '.', '_' and '-' made '-'.
  static func folderName(_ folder: String) -> String {
    let last = folder.split(separator: "/").last.map(String.init) ?? ""
    let cleaned = String(last.unicodeScalars.map { scalar -> Character in
      scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar)) ? Character(scalar) : "-"
    }.prefix(maxNameLength))
    return isName(cleaned) ? cleaned : "custom"
  }
}
