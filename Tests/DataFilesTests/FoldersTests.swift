import DataFiles
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
