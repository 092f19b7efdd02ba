import Foundation
import Testing
import TestSupport
@testable import DataFiles

@Suite struct IDXTests {
  @Test func readsHandBuiltUInt8File() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("a.idx")
    try Files.write(SyntheticIDX.uint8(shape: [2, 3], values: [1, 2, 3, 4, 5, 255]), to: path)
    let array = try IDX.read(UInt8.self, from: path)
    #expect(array.shape == [2, 3])
    #expect(array.scalars == [1, 2, 3, 4, 5, 255])
    #expect(array.itemCount == 2 && array.itemSize == 3)
  }

  @Test func readsBigEndianFloat32() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("f.idx")
    let values: [Float] = [1.5, -2.25, .infinity, 0, 3.0e-38, 12345.678]
    try Files.write(SyntheticIDX.float32(shape: [3, 1, 2], values: values), to: path)
    let array = try IDX.read(Float.self, from: path)
    #expect(array.shape == [3, 1, 2])
    // Exact: the bits are copied, not computed.
    #expect(array.scalars.map(\.bitPattern) == values.map(\.bitPattern))
  }

  @Test func goldenBytesOfTheWriter() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("g.idx")
    try IDX.write(IDXArray(shape: [1, 2], scalars: [Float(1), -2]), to: path)
    // 00 00 0d 02 | 00 00 00 01 | 00 00 00 02 | 3f800000 | c0000000
    #expect(try Files.read(path) == [0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0])
  }

  @Test func roundTripsEveryRank() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    for shape in [[], [5], [2, 3], [2, 1, 3], [1, 2, 1, 2, 1]] {
      let count = shape.reduce(1, *)
      let bytes = IDXArray(shape: shape, scalars: (0..<count).map { UInt8($0 * 37 % 256) })
      try IDX.write(bytes, to: folder.file("u.idx"))
      #expect(try IDX.read(UInt8.self, from: folder.file("u.idx")) == bytes)
      let floats = IDXArray(shape: shape, scalars: (0..<count).map { Float($0) * -0.37 })
      try IDX.write(floats, to: folder.file("f.idx"))
      #expect(try IDX.read(Float.self, from: folder.file("f.idx")) == floats)
    }
  }

  @Test func emptyArrayRoundTrips() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let empty = IDXArray<UInt8>(shape: [0, 28, 28], scalars: [])
    try IDX.write(empty, to: folder.file("e.idx"))
    #expect(Files.size(folder.file("e.idx")) == 16)
    #expect(try IDX.read(UInt8.self, from: folder.file("e.idx")) == empty)
  }

  @Test func readHeaderGivesTypeAndShape() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Files.write(SyntheticIDX.float32(shape: [4, 2], values: Array(repeating: 0, count: 8)), to: folder.file("h.idx"))
    let header = try IDX.readHeader(folder.file("h.idx"))
    #expect(header.typeCode == 0x0D)
    #expect(header.shape == [4, 2])
    #expect(try IDX.readHeader(from: folder.file("h.idx")) == header)
  }

  @Test func numpyReadsWhatWeWriteAndWeReadWhatNumpyWrites() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let values = (0..<24).map { Float($0) * 0.5 - 3.75 }
    try IDX.write(IDXArray(shape: [2, 3, 4], scalars: values), to: folder.file("ours.idx"))
    // numpy parses our file with its own big-endian dtype and writes a Float32 IDX of its own.
    let script = """
      import numpy as np, struct, sys
      folder = sys.argv[1]
      raw = open(folder + '/ours.idx', 'rb').read()
      assert raw[:4] == bytes([0, 0, 0x0d, 3]), raw[:4]
      dims = struct.unpack('>3I', raw[4:16])
      a = np.frombuffer(raw[16:], dtype='>f4').reshape(dims)
      print(' '.join(repr(float(x)) for x in a.ravel()))
      b = (np.arange(6, dtype=np.float32) * np.float32(1.25) - np.float32(2)).reshape(3, 2)
      with open(folder + '/theirs.idx', 'wb') as f:
          f.write(bytes([0, 0, 0x0d, 2]) + struct.pack('>2I', 3, 2) + b.astype('>f4').tobytes())
      """
    let printed = try ProcessRunner.python(script, [folder.path])
    let parsed = printed.split(separator: " ").compactMap { Float($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    #expect(parsed == values, "numpy saw \(parsed), expected \(values)")
    let theirs = try IDX.read(Float.self, from: folder.file("theirs.idx"))
    #expect(theirs.shape == [3, 2])
    #expect(theirs.scalars == (0..<6).map { Float($0) * 1.25 - 2 })
  }

  // MARK: rejections

  private func rejection(_ bytes: [UInt8], as type: (some IDXScalar).Type = UInt8.self) throws -> DataFileError? {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Files.write(bytes, to: folder.file("bad.idx"))
    do {
      _ = try IDX.read(type, from: folder.file("bad.idx"))
      return nil
    } catch let error as DataFileError {
      #expect(error.description.contains("bad.idx"), "message must name the file: \(error)")
      return error
    }
  }

  @Test func rejectsBadMagic() throws {
    let error = try rejection([0x1f, 0x8b, 8, 0, 1, 2, 3, 4])
    guard case .idxBadMagic(_, let first) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(first == [0x1f, 0x8b, 8, 0])
    #expect(error?.description.contains("vae-decompress") == true)
  }

  @Test func rejectsUnknownType() throws {
    let error = try rejection(SyntheticIDX.bytes(typeCode: 0x07, shape: [1], payload: [0]))
    guard case .idxUnknownType(_, 0x07) = error else { Issue.record("got \(String(describing: error))"); return }
  }

  @Test func rejectsWrongType() throws {
    let error = try rejection(SyntheticIDX.uint8(shape: [4], values: [1, 2, 3, 4]), as: Float.self)
    guard case .idxWrongType(_, 0x0D, 0x08) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(error?.description.contains("float32") == true)
  }

  @Test func rejectsFilesShorterThanTheHeader() throws {
    let error = try rejection([0, 0])
    guard case .idxTooShort(_, 2) = error else { Issue.record("got \(String(describing: error))"); return }
    let cut = try rejection([0, 0, 8, 3, 0, 0, 0, 1])  // rank 3 needs 16 header bytes
    guard case .idxSizeMismatch(_, _, 16, 8) = cut else { Issue.record("got \(String(describing: cut))"); return }
  }

  @Test func rejectsAHeaderThatClaimsMoreThanTheFileHolds() throws {
    let error = try rejection(SyntheticIDX.bytes(typeCode: 0x08, shape: [10, 28, 28], payload: [UInt8](repeating: 0, count: 784 * 9)))
    #expect(error?.description.contains("truncated") == true)
    guard case .idxSizeMismatch(_, [10, 28, 28], 7856, 7072) = error else { Issue.record("got \(String(describing: error))"); return }
  }

  @Test func rejectsTrailingBytes() throws {
    let error = try rejection(SyntheticIDX.uint8(shape: [2], values: [1, 2]) + [9])
    guard case .idxSizeMismatch(_, [2], 10, 11) = error else { Issue.record("got \(String(describing: error))"); return }
  }

  @Test func rejectsMoreThan10To8ElementsBeforeAllocating() throws {
    // 10001 x 100 x 100 = 100,010,000 > 10^8, in a 20-byte file.
    let error = try rejection(SyntheticIDX.bytes(typeCode: 0x08, shape: [10001, 100, 100], payload: [1, 2, 3, 4]))
    guard case .idxTooManyElements(_, [10001, 100, 100], 100_000_000) = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    // Products that overflow 64 bits are caught too.
    let huge = try rejection(SyntheticIDX.bytes(typeCode: 0x0D, shape: [UInt32.max, UInt32.max, UInt32.max], payload: []), as: Float.self)
    guard case .idxTooManyElements = huge else { Issue.record("got \(String(describing: huge))"); return }
  }

  /// Found by fuzz-idx: a zero dimension beside huge ones trapped with "arithmetic
  /// overflow" while the reader multiplied the shape (the empty-array shortcut skipped
  /// the check). The other dimensions must fit the limit too.
  @Test func aZeroDimensionDoesNotExcuseHugeOthers() throws {
    let bytes = SyntheticIDX.bytes(typeCode: 0x0D, shape: [UInt32.max, UInt32.max, 0, UInt32.max], payload: [])
    let error = try rejection(bytes, as: Float.self)
    guard case .idxTooManyElements = error else { Issue.record("got \(String(describing: error))"); return }
    // The streaming validator shares the check.
    let validator = IDXStreamValidator(source: "s.gz", expecting: .digitImages)
    #expect(throws: DataFileError.self) {
      try SyntheticIDX.bytes(typeCode: 0x08, shape: [0, UInt32.max, UInt32.max], payload: []).withUnsafeBytes { try validator.consume($0) }
    }
    // A genuinely empty array with sane dimensions still reads.
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Files.write(SyntheticIDX.uint8(shape: [0, 28, 28], values: []), to: folder.file("e.idx"))
    #expect(try IDX.read(UInt8.self, from: folder.file("e.idx")).shape == [0, 28, 28])
  }

  @Test func missingFileNamesThePath() throws {
    #expect {
      try IDX.read(UInt8.self, from: "/nonexistent/x.idx")
    } throws: { "\($0)".contains("/nonexistent/x.idx") && "\($0)".contains("cannot open") }
  }

  @Test func aFolderIsNotAnIDXFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(throws: DataFileError.notARegularFile(path: folder.path, kind: "a folder")) { try IDX.readHeader(folder.path) }
    #expect(throws: DataFileError.notARegularFile(path: "/dev/null", kind: "a character device")) {
      try IDX.read(UInt8.self, from: "/dev/null")
    }
  }

  @Test func writeToAnUnwritablePlaceFailsWithoutLeavingFiles() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Files.write([1], to: folder.file("plain"))
    #expect {
      try IDX.write(IDXArray(shape: [1], scalars: [UInt8(1)]), to: folder.file("plain/sub.idx"))
    } throws: { "\($0)".contains("plain/") }
    #expect(Files.list(folder.path) == ["plain"])
  }
}
