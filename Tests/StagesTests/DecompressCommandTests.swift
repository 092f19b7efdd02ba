import DataFiles
import Foundation
import Testing
import TestSupport

/// `vae-decompress` end to end on small synthetic `.gz` files.
@Suite struct DecompressCommandTests {
  /// A temporary folder with `raw/` holding a valid tiny data set (30 train, 10 test),
  /// with `replacements` (mirror name -> bytes, already compressed or not) swapped in.
  private func setUp(_ replacements: [String: [UInt8]] = [:]) throws -> TemporaryFolder {
    let folder = try TemporaryFolder("decompress")
    try Files.makeFolder(folder.file("raw"))
    var files = try SyntheticIDX.rawDataset(train: 30, test: 10)
    for (name, bytes) in replacements { files[name] = bytes }
    for (name, bytes) in files { try Files.write(bytes, to: folder.file("raw/" + name)) }
    return folder
  }

  private func decompress(_ folder: TemporaryFolder, _ extra: [String] = []) throws -> ProcessResult {
    try StageRun.run("vae-decompress", ["--raw", "raw", "--data", "data"] + extra, in: folder.path)
  }

  @Test func writesCheckedIDXFilesAndSkipsWhenUpToDate() throws {
    let folder = try setUp()
    defer { folder.remove() }
    let first = try decompress(folder)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.isEmpty)
    #expect(
      Files.list(folder.file("data"))
        == [".vae-decompress.manifest.json", "dataset.json", "test-images.idx", "test-labels.idx", "train-images.idx", "train-labels.idx"])
    #expect(try DatasetDescriptor.read(folder: folder.file("data")) == .mnist, "the descriptor the later stages read")
    let train = try DigitSet.load(folder: folder.file("data"), split: .train)
    #expect(train.images.scalars == SyntheticIDX.imagePixels(count: 30))
    #expect(train.labels == SyntheticIDX.labelValues(count: 30))
    #expect(try DigitSet.load(folder: folder.file("data"), split: .test).count == 10)
    #expect(Files.size(folder.file("data/train-images.idx")) == 16 + 30 * 784)

    let second = try decompress(folder)
    #expect(second.status == 0)
    #expect(second.stdout.contains("up to date") && second.stdout.contains("skipped"), "\(second.stdout)")
    let stampBefore = FileManager.default.modificationDate(folder.file("data/train-images.idx"))
    // Changing one input re-does that split only.
    try Files.write(try SyntheticIDX.gzip(SyntheticIDX.labels(count: 10)), to: folder.file("raw/t10k-labels-idx1-ubyte.gz"))
    let third = try decompress(folder)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(third.stdout.contains("wrote test") && !third.stdout.contains("train:"), "\(third.stdout)")
    #expect(FileManager.default.modificationDate(folder.file("data/train-images.idx")) == stampBefore)
  }

  @Test func outputThatWasDeletedIsWrittenAgain() throws {
    let folder = try setUp()
    defer { folder.remove() }
    #expect(try decompress(folder).status == 0)
    try FileManager.default.removeItem(atPath: folder.file("data/test-labels.idx"))
    let again = try decompress(folder)
    #expect(again.status == 0)
    #expect(Files.exists(folder.file("data/test-labels.idx")))
    #expect(again.stdout.contains("wrote test"), "\(again.stdout)")
  }

  // MARK: bad input: one stderr line naming the file, non-zero exit, no output written

  /// Runs with a bad train file and checks the failure contract and that nothing was written.
  private func expectRejected(_ name: String, _ bytes: [UInt8], _ fragments: [String]) throws {
    let folder = try setUp([name: bytes])
    defer { folder.remove() }
    let result = try decompress(folder)
    StageRun.expectOneLineFailure(result, naming: "raw/" + name, fragments)
    // Train failed first: no IDX, no temporary, no manifest.
    #expect(Files.list(folder.file("data")) == [], "left behind: \(Files.list(folder.file("data")))")
  }

  @Test func truncatedGzip() throws {
    let whole = try SyntheticIDX.gzip(SyntheticIDX.images(count: 30))
    try expectRejected("train-images-idx3-ubyte.gz", Array(whole.prefix(whole.count / 2)), ["ends early"])
  }

  @Test func htmlErrorPageInsteadOfGzip() throws {
    try expectRejected(
      "train-labels-idx1-ubyte.gz", Array("<!DOCTYPE html><html><body>Moved</body></html>".utf8),
      ["not gzip", "HTML"])
  }

  @Test func badIDXMagic() throws {
    var bytes = SyntheticIDX.images(count: 30)
    bytes[0] = 1
    try expectRejected("train-images-idx3-ubyte.gz", try SyntheticIDX.gzip(bytes), ["not an IDX file"])
  }

  @Test func wrongIDXType() throws {
    let floats = SyntheticIDX.float32(shape: [30], values: .init(repeating: 1, count: 30))
    try expectRejected("train-labels-idx1-ubyte.gz", try SyntheticIDX.gzip(floats), ["0x0d", "expected 0x08"])
  }

  @Test func unknownIDXType() throws {
    let bytes = SyntheticIDX.bytes(typeCode: 0x42, shape: [30], payload: SyntheticIDX.labelValues(count: 30))
    try expectRejected("train-labels-idx1-ubyte.gz", try SyntheticIDX.gzip(bytes), ["unknown IDX type"])
  }

  @Test func headerClaimsMoreThanTheDataHolds() throws {
    let bytes = SyntheticIDX.bytes(typeCode: 0x08, shape: [30, 28, 28], payload: SyntheticIDX.imagePixels(count: 29))
    try expectRejected("train-images-idx3-ubyte.gz", try SyntheticIDX.gzip(bytes), ["30 x 28 x 28", "truncated"])
  }

  @Test func countOver10To8() throws {
    let bytes = SyntheticIDX.bytes(typeCode: 0x08, shape: [200_000_000], payload: [1, 2, 3])
    try expectRejected("train-labels-idx1-ubyte.gz", try SyntheticIDX.gzip(bytes), ["more than the limit of 100000000"])
  }

  @Test func imagesThatAreNot28By28() throws {
    let bytes = SyntheticIDX.uint8(shape: [30, 28, 20], values: .init(repeating: 0, count: 30 * 28 * 20))
    try expectRejected("train-images-idx3-ubyte.gz", try SyntheticIDX.gzip(bytes), ["N x 28 x 28", "30 x 28 x 20"])
  }

  @Test func imagesAndLabelsDisagreeInCount() throws {
    try expectRejected(
      "train-labels-idx1-ubyte.gz", try SyntheticIDX.gzip(SyntheticIDX.labels(count: 29)), ["29 labels", "30 images"])
  }

  @Test func labelOfTen() throws {
    var labels = SyntheticIDX.labelValues(count: 30)
    labels[17] = 10
    try expectRejected(
      "train-labels-idx1-ubyte.gz", try SyntheticIDX.gzip(SyntheticIDX.uint8(shape: [30], values: labels)),
      ["label 10 at index 17"])
  }

  @Test func aBadTestSplitLeavesTheGoodTrainSplitWholeAndNoTestFiles() throws {
    let folder = try setUp(["t10k-labels-idx1-ubyte.gz": Array("garbage".utf8)])
    defer { folder.remove() }
    let result = try decompress(folder)
    StageRun.expectOneLineFailure(result, naming: "raw/t10k-labels-idx1-ubyte.gz", ["not gzip"])
    let left = Files.list(folder.file("data")).filter { !$0.hasPrefix(".vae-decompress") }
    #expect(left == ["train-images.idx", "train-labels.idx"])
    #expect(try DigitSet.load(folder: folder.file("data"), split: .train).count == 30)
  }

  @Test func missingRawFile() throws {
    let folder = try setUp()
    defer { folder.remove() }
    try FileManager.default.removeItem(atPath: folder.file("raw/t10k-images-idx3-ubyte.gz"))
    StageRun.expectOneLineFailure(try decompress(folder), naming: "raw/t10k-images-idx3-ubyte.gz", ["vae-fetch"])
    #expect(!Files.exists(folder.file("data")))
  }

  @Test func dataFolderUnderARegularFile() throws {
    let folder = try setUp()
    defer { folder.remove() }
    try Files.write([1], to: folder.file("plain"))
    let result = try StageRun.run("vae-decompress", ["--raw", "raw", "--data", "plain/data"], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: "plain/data", ["cannot create folder"])
  }

  @Test func dataFolderUnderProc() throws {
    let folder = try setUp()
    defer { folder.remove() }
    let result = try StageRun.run("vae-decompress", ["--raw", "raw", "--data", "/proc/digitvae-test/data"], in: folder.path)
    StageRun.expectOneLineFailure(result, naming: "/proc/digitvae-test/data", ["cannot create folder"])
  }
}

extension FileManager {
  fileprivate func modificationDate(_ path: String) -> Date? {
    (try? attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }
}
