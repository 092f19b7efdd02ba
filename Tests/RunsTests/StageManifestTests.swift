import DataFiles
import Foundation
import Runs
import Testing
import TestSupport

@Suite struct StageManifestTests {
  @Test func upToDateUntilAnInputOutputOrOptionChanges() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let input = folder.file("in.bin")
    let output = folder.file("out.bin")
    try Files.write([1, 2, 3], to: input)
    try Files.write([4, 5], to: output)
    let manifest = StageManifest(
      stage: "vae-x", options: ["k": "1"], inputs: [try #require(FileStamp.current(input))],
      outputs: [try #require(FileStamp.current(output))])
    let path = StageManifest.path(folder: folder.path, stage: "vae-x")
    try manifest.write(to: path)
    let loaded = try #require(StageManifest.load(from: path))
    #expect(loaded == manifest)
    #expect(loaded.isUpToDate(stage: "vae-x", options: ["k": "1"], inputs: [input], outputs: [output]))
    #expect(!loaded.isUpToDate(stage: "vae-x", options: ["k": "2"], inputs: [input], outputs: [output]))
    #expect(!loaded.isUpToDate(stage: "vae-y", options: ["k": "1"], inputs: [input], outputs: [output]))
    #expect(!loaded.isUpToDate(stage: "vae-x", options: ["k": "1"], inputs: [input], outputs: [output, input]))

    try Files.write([1, 2, 3, 4], to: input)  // size changes
    #expect(!loaded.isUpToDate(stage: "vae-x", options: ["k": "1"], inputs: [input], outputs: [output]))
  }

  @Test func sameSizeButNewerFileIsNotUpToDate() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("a")
    try Files.write([1], to: path)
    let stamp = try #require(FileStamp.current(path))
    #expect(stamp.matchesDisk)
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 100)], ofItemAtPath: path)
    #expect(!stamp.matchesDisk)
    try FileManager.default.removeItem(atPath: path)
    #expect(!stamp.matchesDisk)
    #expect(FileStamp.current(path) == nil)
    #expect(FileStamp.current(folder.path) == nil, "a folder has no stamp")
  }

  @Test func aMissingOrCorruptOrOtherVersionManifestMeansRun() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(StageManifest.load(from: folder.file("none.json")) == nil)
    try Files.write(Array("{ not json".utf8), to: folder.file("bad.json"))
    #expect(StageManifest.load(from: folder.file("bad.json")) == nil)
    var old = StageManifest(stage: "s", options: [:])
    old.version = 0
    try old.write(to: folder.file("old.json"))
    #expect(StageManifest.load(from: folder.file("old.json")) == nil)
  }

  @Test func recordReplacesByPath() {
    var manifest = StageManifest(stage: "s", options: [:])
    manifest.record(output: FileStamp(path: "a", size: 1, modified: 1))
    manifest.record(output: FileStamp(path: "a", size: 2, modified: 2, sha256: "x"))
    manifest.record(input: FileStamp(path: "b", size: 3, modified: 3))
    #expect(manifest.outputs == [FileStamp(path: "a", size: 2, modified: 2, sha256: "x")])
    #expect(manifest.stamp(of: "b")?.size == 3)
    #expect(manifest.stamp(of: "c") == nil)
  }
}
