import Foundation
import Testing
import TestSupport
@testable import Checkpoints

@Suite struct SafeTensorsFileTests {
  /// The exact bytes of a one-tensor file, written out by hand.
  @Test func goldenBytesOfATinyFile() {
    let file = SafeTensorsFile(tensors: [Tensor(name: "w", floats: [1, -2], shape: [2])], metadata: [:])
    // 90 bytes of JSON + 6 spaces = 96 = 0x60, so the data starts at 104 = 13 x 8.
    // c3872656 = zlib.crc32(bytes 00 00 80 3f 00 00 00 c0), computed with Python.
    let header = #"{"__metadata__":{"crc32":"c3872656"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
      + "      "
    let expected: [UInt8] = [0x60, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]
    let seen = file.encoded()
    #expect(seen == expected, "expected:\n\(String(decoding: expected, as: UTF8.self))\nseen:\n\(String(decoding: seen, as: UTF8.self))")
  }

  @Test func emptyFileIsHeaderOnly() throws {
    let bytes = SafeTensorsFile(tensors: [], metadata: [:]).encoded()
    let header = #"{"__metadata__":{"crc32":"00000000"}}"# + "   "
    #expect(bytes == [40, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8))
    let decoded = try SafeTensorsFile.decode(bytes, source: "empty")
    #expect(decoded.tensors.isEmpty)
    #expect(decoded.metadata == ["crc32": "00000000"])
  }

  @Test func roundTripOfSeveralDTypesAndShapes() throws {
    for metadata in [[:], ["config": "{\"latent\": 20}", "a": "", "z/é\n\"\\": "\u{1}\t"]] {
      let original = sampleFile(metadata: metadata)
      let decoded = try SafeTensorsFile.decode(original.encoded(), source: "round-trip", requireChecksum: true)
      #expect(decoded.tensors == original.tensors)
      var expectedMetadata = metadata
      expectedMetadata["crc32"] = hex8(original.dataChecksum)
      #expect(decoded.metadata == expectedMetadata)
      #expect(try decoded["step"]?.uint64s() == [12_000])
      #expect(decoded["step"]?.shape == [])
      #expect(try decoded["encoder.weight"]?.floats() == [0.5, -1.25, 3, 1e-8, -0.0, 65504])
      #expect(decoded["empty"]?.shape == [0, 4])
    }
  }

  @Test func dataSectionIsEightByteAlignedForEveryHeaderLength() {
    for length in 0..<16 {
      let name = String(repeating: "n", count: length + 1)
      let bytes = SafeTensorsFile(tensors: [Tensor(name: name, doubles: [2], shape: [])]).encoded()
      let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
      #expect((8 + headerLength) % 8 == 0, "name length \(length + 1): data starts at \(8 + headerLength)")
      #expect(bytes[8 + headerLength - 1] == UInt8(ascii: " ") || bytes[8 + headerLength - 1] == UInt8(ascii: "}"))
    }
  }

  @Test func encodingIsReproducibleAndOrdered() {
    var a = sampleFile(metadata: [:])
    a.metadata = ["b": "2", "a": "1", "c": "3"]
    var b = a
    b.metadata = ["c": "3", "a": "1", "b": "2"]
    #expect(a.encoded() == b.encoded())
    let text = String(decoding: a.encoded(), as: UTF8.self)
    let order = ["__metadata__", "\"a\"", "\"b\"", "\"c\"", "crc32", "encoder.weight", "\"step\"", "\"rng\"", "\"epoch\"", "\"mask\"", "\"lr\"", "\"empty\""]
    let positions = order.map { text.range(of: $0)?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil })
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "header keys out of order: \(text.prefix(400))")
  }

  @Test func decodedTensorsFollowDataOrderNotHeaderOrder() throws {
    // A foreign writer may list keys in any order; file order is data order.
    let header = #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
    let file = try SafeTensorsFile.decode(craftedFile(header: header, data: [10, 20]), source: "x")
    #expect(file.tensors.map(\.name) == ["a", "b"])
    #expect(file.tensors.map(\.bytes) == [[10], [20]])
    #expect(file.metadata == [:])
  }

  @Test func namesWithQuotesEscapesAndUnicodeRoundTrip() throws {
    let names = ["a\"b", "back\\slash", "new\nline", "ctl\u{1}\u{1F}", "ünï/cødé ✓", "tab\t", ""]
    let file = SafeTensorsFile(tensors: names.enumerated().map { Tensor(name: $1, uint8s: [UInt8($0)], shape: []) })
    let decoded = try SafeTensorsFile.decode(file.encoded(), source: "names")
    #expect(decoded.tensors.map(\.name) == names)
  }

  @Test func tensorLookupNamesWhatIsThere() throws {
    let file = sampleFile()
    #expect(file["nope"] == nil)
    #expect(try file.tensor("lr").doubles() == [1e-3])
    #expect(throws: CheckpointError.self) { try file.tensor("nope") }
    do {
      _ = try file.tensor("nope")
    } catch {
      #expect("\(error)".hasPrefix("no tensor named \"nope\" (the file has: encoder.weight, step, rng"))
    }
  }

  @Test func writeThenReadGivesTheSameFileAndBytes() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("ckpt.safetensors")
    let original = sampleFile()
    try original.write(to: path)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == original.encoded())
    let read = try SafeTensorsFile.read(from: path, requireChecksum: true)
    #expect(read.tensors == original.tensors)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["ckpt.safetensors"])
  }

  @Test func readingAMissingFileNamesIt() {
    #expect(throws: CheckpointError.io(path: "/nonexistent/x.safetensors", operation: "open", errno: ENOENT)) {
      try SafeTensorsFile.read(from: "/nonexistent/x.safetensors")
    }
    #expect(
      "\(CheckpointError.io(path: "/nonexistent/x.safetensors", operation: "open", errno: ENOENT))"
        == "/nonexistent/x.safetensors: cannot open: No such file or directory")
  }

  @Test func readingAFolderIsRejected() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(throws: CheckpointError.notARegularFile(path: folder.path, kind: "a folder")) { try SafeTensorsFile.read(from: folder.path) }
  }

  /// Issue 14: `vae-checkpoint info /dev/null` said "Is a directory".
  @Test func aDeviceIsNamedForWhatItIs() throws {
    #expect(throws: CheckpointError.notARegularFile(path: "/dev/null", kind: "a character device")) {
      try SafeTensorsFile.read(from: "/dev/null")
    }
    #expect(
      "\(CheckpointError.notARegularFile(path: "/dev/null", kind: "a character device"))"
        == "/dev/null: not a regular file (it is a character device); expected a .safetensors checkpoint")
  }
}
