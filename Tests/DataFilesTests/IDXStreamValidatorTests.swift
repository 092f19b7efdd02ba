import Testing
import TestSupport
@testable import DataFiles

@Suite struct IDXStreamValidatorTests {
  /// Feeds `bytes` in chunks of `chunk` bytes and returns the shape.
  private func check(_ bytes: [UInt8], _ expectation: IDXStreamValidator.Expectation, chunk: Int) throws -> [Int] {
    let validator = IDXStreamValidator(source: "s.gz", expecting: expectation)
    try bytes.withUnsafeBytes { all in
      var start = 0
      while start < all.count {
        let end = min(start + chunk, all.count)
        try validator.consume(UnsafeRawBufferPointer(rebasing: all[start..<end]))
        start = end
      }
    }
    return try validator.finish()
  }

  @Test(arguments: [1, 3, 7, 16, 100_000])
  func acceptsValidStreamsInAnyChunking(chunk: Int) throws {
    #expect(try check(SyntheticIDX.images(count: 3), .digitImages, chunk: chunk) == [3, 28, 28])
    #expect(try check(SyntheticIDX.labels(count: 25), .digitLabels, chunk: chunk) == [25])
  }

  @Test func rejectsTruncatedAndOverlongPayloads() {
    #expect(throws: DataFileError.idxSizeMismatch(path: "s.gz", shape: [3, 28, 28], expectedBytes: 16 + 2352, foundBytes: 16 + 2351)) {
      try check(Array(SyntheticIDX.images(count: 3).dropLast()), .digitImages, chunk: 500)
    }
    #expect(throws: DataFileError.idxSizeMismatch(path: "s.gz", shape: [4], expectedBytes: 12, foundBytes: 13)) {
      try check(SyntheticIDX.labels(count: 4) + [1], .digitLabels, chunk: 5)
    }
  }

  @Test func rejectsAHeaderCutShort() {
    #expect(throws: DataFileError.idxTooShort(path: "s.gz", size: 2)) { try check([0, 0], .digitLabels, chunk: 1) }
    #expect(throws: DataFileError.idxSizeMismatch(path: "s.gz", shape: [], expectedBytes: 16, foundBytes: 6)) {
      try check([0, 0, 8, 3, 0, 0], .digitImages, chunk: 4)
    }
  }

  @Test func rejectsBadMagicTypeShapeAndLabels() {
    #expect(throws: DataFileError.idxBadMagic(path: "s.gz", firstBytes: [0x3c, 0x21, 0x44, 0x4f])) {
      try check(Array("<!DOCTYPE html>".utf8), .digitImages, chunk: 64)
    }
    #expect(throws: DataFileError.idxWrongType(path: "s.gz", expected: 0x08, found: 0x0D)) {
      try check(SyntheticIDX.float32(shape: [1], values: [1]), .digitLabels, chunk: 64)
    }
    #expect(throws: DataFileError.shapeMismatch(path: "s.gz", expected: "N x 28 x 28", found: [784])) {
      try check(SyntheticIDX.uint8(shape: [784], values: .init(repeating: 0, count: 784)), .digitImages, chunk: 64)
    }
    #expect(throws: DataFileError.labelOutOfRange(path: "s.gz", index: 9, value: 200, classes: 10)) {
      var values = SyntheticIDX.labelValues(count: 12)
      values[9] = 200
      return try check(SyntheticIDX.uint8(shape: [12], values: values), .digitLabels, chunk: 5)
    }
    #expect(throws: DataFileError.idxTooManyElements(path: "s.gz", shape: [200_000_000], limit: 100_000_000)) {
      try check(SyntheticIDX.bytes(typeCode: 8, shape: [200_000_000], payload: []), .digitLabels, chunk: 64)
    }
  }
}
