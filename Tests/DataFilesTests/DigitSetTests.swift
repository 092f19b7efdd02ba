import Testing
import TestSupport
@testable import DataFiles

@Suite struct DigitSetTests {
  private func folder(images: [UInt8], labels: [UInt8], split: Split = .train) throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    try Files.write(images, to: DigitSet.path(folder: folder.path, split: split, member: .images))
    try Files.write(labels, to: DigitSet.path(folder: folder.path, split: split, member: .labels))
    return folder
  }

  @Test func loadsAMatchingPair() throws {
    let folder = try folder(images: SyntheticIDX.images(count: 12), labels: SyntheticIDX.labels(count: 12), split: .test)
    defer { folder.remove() }
    let set = try DigitSet.load(folder: folder.path, split: .test)
    #expect(set.count == 12)
    #expect(set.images.shape == [12, 28, 28])
    #expect(set.images.scalars == SyntheticIDX.imagePixels(count: 12))
    #expect(set.labels == SyntheticIDX.labelValues(count: 12))
    #expect(try DigitSet.loadLabels(folder: folder.path, split: .test) == set.labels)
    #expect(try DigitSet.loadImages(folder: folder.path, split: .test) == set.images)
  }

  @Test func fileNamesFollowTheSplit() {
    #expect(DigitSet.path(folder: "d", split: .train, member: .images) == "d/train-images.idx")
    #expect(DigitSet.path(folder: "d", split: .test, member: .labels) == "d/test-labels.idx")
  }

  @Test func rejectsImagesThatAreNot28By28() throws {
    let folder = try folder(images: SyntheticIDX.uint8(shape: [2, 28, 27], values: .init(repeating: 0, count: 2 * 28 * 27)), labels: SyntheticIDX.labels(count: 2))
    defer { folder.remove() }
    #expect(throws: DataFileError.shapeMismatch(path: folder.file("train-images.idx"), expected: "N x 28 x 28", found: [2, 28, 27])) {
      try DigitSet.load(folder: folder.path, split: .train)
    }
  }

  @Test func rejectsLabelsOfRankTwo() throws {
    let folder = try folder(images: SyntheticIDX.images(count: 2), labels: SyntheticIDX.uint8(shape: [2, 1], values: [1, 2]))
    defer { folder.remove() }
    #expect(throws: DataFileError.shapeMismatch(path: folder.file("train-labels.idx"), expected: "N (rank 1)", found: [2, 1])) {
      try DigitSet.load(folder: folder.path, split: .train)
    }
  }

  @Test func rejectsCountsThatDisagree() throws {
    let folder = try folder(images: SyntheticIDX.images(count: 5), labels: SyntheticIDX.labels(count: 4))
    defer { folder.remove() }
    let expected = DataFileError.countMismatch(
      imagesPath: folder.file("train-images.idx"), images: 5, labelsPath: folder.file("train-labels.idx"), labels: 4)
    #expect(throws: expected) { try DigitSet.load(folder: folder.path, split: .train) }
  }

  @Test func rejectsALabelOfTenNamingIndexAndValue() throws {
    var labels = SyntheticIDX.labelValues(count: 6)
    labels[4] = 10
    let folder = try folder(images: SyntheticIDX.images(count: 6), labels: SyntheticIDX.uint8(shape: [6], values: labels))
    defer { folder.remove() }
    let expected = DataFileError.labelOutOfRange(path: folder.file("train-labels.idx"), index: 4, value: 10, classes: 10)
    #expect(throws: expected) { try DigitSet.load(folder: folder.path, split: .train) }
    #expect(throws: expected) { try DigitSet.loadLabels(folder: folder.path, split: .train) }
    #expect(expected.description.contains("label 10 at index 4"))
  }

  @Test func rejectsFloatImages() throws {
    let folder = try folder(images: SyntheticIDX.float32(shape: [1, 28, 28], values: .init(repeating: 0, count: 784)), labels: SyntheticIDX.labels(count: 1))
    defer { folder.remove() }
    #expect(throws: DataFileError.idxWrongType(path: folder.file("train-images.idx"), expected: 0x08, found: 0x0D)) {
      try DigitSet.load(folder: folder.path, split: .train)
    }
  }
}
