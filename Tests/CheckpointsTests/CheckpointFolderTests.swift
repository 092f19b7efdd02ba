import Foundation
import Testing
import TestSupport
@testable import Checkpoints

@Suite struct CheckpointFolderTests {
  func checkpoint(_ step: Int) -> SafeTensorsFile {
    SafeTensorsFile(
      tensors: [Tensor(name: "w", floats: [Float(step), 0.5], shape: [2]), Tensor(name: "step", uint64s: [UInt64(step)], shape: [])],
      metadata: ["config": "{}"])
  }

  func names(in folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
  }

  @Test func namesAreZeroPaddedToEightDigits() {
    #expect(CheckpointFolder.fileName(step: 12_000) == "step-00012000.safetensors")
    #expect(CheckpointFolder.fileName(step: 0) == "step-00000000.safetensors")
    #expect(CheckpointFolder.fileName(step: 123_456_789) == "step-123456789.safetensors")
    #expect(CheckpointFolder.step(fromFileName: "step-00012000.safetensors") == 12_000)
    #expect(CheckpointFolder.step(fromFileName: "step-123456789.safetensors") == 123_456_789)
    for other in [
      "step-12000.safetensors", "step-012345678.safetensors", "step-0001200x.safetensors", "step--0001200.safetensors",
      "step-00012000.safetensors.tmp", ".step-00012000.safetensors.tmp-1-2", "Step-00012000.safetensors", "log.csv",
    ] {
      #expect(CheckpointFolder.step(fromFileName: other) == nil, "\(other) taken for a checkpoint")
    }
  }

  @Test func listIsSortedByStepAndIgnoresOtherFiles() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.path)
    for step in [300, 20, 100_000_000, 1] {
      try checkpoint(step).write(to: folder.filePath(step: step))
    }
    try Data("x".utf8).write(to: URL(fileURLWithPath: temporary.file(".step-00000500.safetensors.tmp-1-1")))
    try Data("x".utf8).write(to: URL(fileURLWithPath: temporary.file("notes.txt")))
    let listed = try folder.list()
    #expect(listed.map(\.step) == [1, 20, 300, 100_000_000])
    #expect(listed.map(\.path) == [1, 20, 300, 100_000_000].map { temporary.path + "/" + CheckpointFolder.fileName(step: $0) })
  }

  @Test func aMissingFolderListsNothing() throws {
    #expect(try CheckpointFolder(path: "/nonexistent/run/checkpoints").list().isEmpty)
  }

  @Test func saveCreatesTheFolderAndKeepsTheNewestK() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.file("runs/denoise/checkpoints"))
    for step in stride(from: 100, through: 500, by: 100) {
      let path = try folder.save(checkpoint(step), step: step, keep: 2)
      #expect(path == folder.path + "/" + CheckpointFolder.fileName(step: step))
    }
    #expect(try names(in: folder.path) == ["step-00000400.safetensors", "step-00000500.safetensors"])
    #expect(try SafeTensorsFile.read(from: folder.filePath(step: 500))["step"]?.uint64s() == [500])

    // Saving the same step again replaces it; keep: 1 leaves only it.
    _ = try folder.save(checkpoint(500), step: 500, keep: 1)
    #expect(try names(in: folder.path) == ["step-00000500.safetensors"])
  }

  @Test func theFileJustSavedIsKeptEvenIfOlderThanOthers() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.path)
    for step in [100, 200, 300] { _ = try folder.save(checkpoint(step), step: step, keep: 3) }
    // A run resumed from step 100 (say 200 and 300 are corrupt) saves 150.
    _ = try folder.save(checkpoint(150), step: 150, keep: 2)
    #expect(try names(in: temporary.path) == ["step-00000150.safetensors", "step-00000300.safetensors"])
  }

  @Test func newestValidSkipsACorruptNewestFileAndReportsIt() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.path)
    for step in [10, 20, 30, 40] { _ = try folder.save(checkpoint(step), step: step, keep: 5) }
    // 40: a bit flipped in its data; 30: cut short, as by a full disk.
    let newest = folder.filePath(step: 40)
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: newest)))
    bytes[bytes.count - 3] ^= 0x10
    try Data(bytes).write(to: URL(fileURLWithPath: newest))
    let cut = folder.filePath(step: 30)
    let whole = try Data(contentsOf: URL(fileURLWithPath: cut))
    try whole.prefix(whole.count - 4).write(to: URL(fileURLWithPath: cut))

    let found = try folder.newestValid()
    #expect(found.step == 20)
    #expect(found.path == folder.filePath(step: 20))
    #expect(try found.file["step"]?.uint64s() == [20])
    #expect(found.rejected.map(\.path) == [newest, cut])
    #expect(found.rejected.first?.reason.hasPrefix("\(newest): data CRC-32 is ") == true)
    #expect(found.rejected.last?.reason.contains("truncated file") == true)
  }

  @Test func newestValidRejectsAFileWithoutAChecksum() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.path)
    _ = try folder.save(checkpoint(1), step: 1, keep: 5)
    let bare = craftedFile(header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [7])
    try Data(bare).write(to: URL(fileURLWithPath: folder.filePath(step: 2)))
    let found = try folder.newestValid()
    #expect(found.step == 1)
    #expect(found.rejected.map(\.reason) == ["\(CheckpointError.missingChecksum(source: folder.filePath(step: 2)))"])
  }

  @Test func noValidCheckpointIsAClearErrorNamingTheFolder() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = CheckpointFolder(path: temporary.path)
    #expect(throws: CheckpointError.noCheckpoints(folder: temporary.path)) { try folder.newestValid() }
    #expect(
      "\(CheckpointError.noCheckpoints(folder: "runs/x/checkpoints"))"
        == "runs/x/checkpoints: no checkpoints (expected files named step-NNNNNNNN.safetensors)")

    try Data().write(to: URL(fileURLWithPath: folder.filePath(step: 5)))
    try Data("junk".utf8).write(to: URL(fileURLWithPath: folder.filePath(step: 9)))
    let expected = CheckpointError.noValidCheckpoint(
      folder: temporary.path,
      rejected: [
        "\(CheckpointError.fileTooShort(source: folder.filePath(step: 9), size: 4))",
        "\(CheckpointError.fileTooShort(source: folder.filePath(step: 5), size: 0))",
      ])
    #expect(throws: expected) { try folder.newestValid() }
    #expect("\(expected)".hasPrefix("\(temporary.path): none of the 2 checkpoints is valid:\n  \(folder.filePath(step: 9)): file is 4 bytes"))
  }

  @Test func saveIntoAPathThatIsAFileFailsWithItsName() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let blocker = temporary.file("checkpoints")
    try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
    #expect { try CheckpointFolder(path: blocker).save(checkpoint(1), step: 1, keep: 1) } throws: { error in
      "\(error)".contains(blocker)
    }
  }
}
