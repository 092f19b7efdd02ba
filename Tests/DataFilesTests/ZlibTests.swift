import Testing
import TestSupport
@testable import DataFiles

@Suite struct ZlibTests {
  @Test func gzipRoundTrip() throws {
    let text = Array(String(repeating: "digits 0123456789 ", count: 1000).utf8)
    let packed = try Zlib.compress(text, format: .gzip, level: 9)
    #expect(packed.prefix(2) == [0x1f, 0x8b])
    #expect(packed.count < text.count / 10)
    #expect(try Zlib.decompress(packed, format: .gzip, source: "mem") == text)
  }

  @Test func concatenatedMembersAreBothDecoded() throws {
    let a = try Zlib.compress(Array("first ".utf8), format: .gzip)
    let b = try Zlib.compress(Array("second".utf8), format: .gzip)
    #expect(try Zlib.decompress(a + b, format: .gzip, source: "mem") == Array("first second".utf8))
  }

  @Test func truncatedStreamIsRejected() throws {
    let packed = try Zlib.compress([UInt8](repeating: 7, count: 5000), format: .gzip)
    #expect(throws: DataFileError.truncatedCompressed(path: "t.gz")) {
      try Zlib.decompress(packed.dropLast(5), format: .gzip, source: "t.gz")
    }
  }

  @Test func htmlIsNotGzip() throws {
    let html = Array("<!DOCTYPE html><p>404</p>".utf8)
    do {
      _ = try Zlib.decompress(html, format: .gzip, source: "page.gz")
      Issue.record("expected an error")
    } catch let error as DataFileError {
      #expect(error == .notGzip(path: "page.gz", firstBytes: Array(html.prefix(4))))
      #expect(error.description.contains("HTML error page"))
    }
  }

  @Test func flippedByteFailsTheCRC() throws {
    var packed = try Zlib.compress(Array(repeating: UInt8(1), count: 100) + Array(0..<100), format: .gzip)
    packed[packed.count - 6] ^= 0xFF  // inside the CRC-32 trailer
    #expect(throws: DataFileError.self) { try Zlib.decompress(packed, format: .gzip, source: "x.gz") }
  }

  @Test func crc32MatchesTheKnownCheckValue() {
    // The standard check value for CRC-32/ISO-HDLC over "123456789".
    #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
  }
}
