import DataFiles
import Foundation
import Testing
import TestSupport

@Suite struct FoldersTests {
  @Test func foldersAreCreatedWithParentsOrRefusedByName() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Folders.create(folder.file("a/b/c"))
    try Folders.create(folder.file("a/b/c"))  // existing is fine
    #expect(Files.list(folder.file("a/b")) == ["c"])
    try Files.write([1], to: folder.file("f"))
    #expect(throws: DataFileError.cannotCreateFolder(path: folder.file("f/g"), reason: "\(folder.file("f")) is not a folder")) {
      try Folders.create(folder.file("f/g"))
    }
  }
}

@Suite struct SmallFileLimitTests {
  /// A JSON or CSV file the stages read whole is refused over the limit before it is read
  /// (a sparse file: its size is all that is looked at).
  @Test func aTextFileOverTheLimitIsRefusedByItsSize() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("metrics.json")
    try Files.write(Array("{}".utf8), to: path)
    #expect(try FileReader.contents(of: path) == Array("{}".utf8))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(FileReader.textFileLimit) + 1)
    try handle.close()
    #expect(throws: DataFileError.fileTooLarge(path: path, size: Int64(FileReader.textFileLimit) + 1, limit: FileReader.textFileLimit)) {
      try FileReader.contents(of: path)
    }
  }
}
