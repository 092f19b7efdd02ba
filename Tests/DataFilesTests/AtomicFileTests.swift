import Foundation
import Testing
import TestSupport
@testable import DataFiles

@Suite struct AtomicFileTests {
  @Test func writesAndReplacesWholeFiles() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("out.bin")
    try AtomicFile.write([1, 2, 3], to: path)
    try AtomicFile.write(text: "new", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
  }

  @Test func aFailingWriterLeavesTheOldFileAndNoTemporary() throws {
    struct Stop: Error {}
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("keep.txt")
    try AtomicFile.write(text: "old", to: path)
    #expect(throws: Stop.self) {
      try AtomicFile.write(to: path) { writer in
        try writer.write("half")
        throw Stop()
      }
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["keep.txt"])
  }

  @Test func anUnwritableFolderIsReportedByName() throws {
    #expect {
      try AtomicFile.write(text: "x", to: "/proc/no-such-dir/file.txt")
    } throws: { error in
      "\(error)".contains("/proc/no-such-dir/") && "\(error)".contains("cannot create")
    }
  }
}
