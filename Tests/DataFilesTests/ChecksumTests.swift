import Testing
import TestSupport
@testable import DataFiles

@Suite struct ChecksumTests {
  private let abc = FileDigests(
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", md5: "900150983cd24fb0d6963f7d28e17f72")

  @Test func matchingSumsPass() throws {
    try Checksum(sha256: abc.sha256, md5: abc.md5).verify(FileDigests.compute(bytes: Array("abc".utf8)), path: "x")
    try Checksum(md5: abc.md5.uppercased()).verify(abc, path: "x")
  }

  @Test func aMismatchNamesFileAlgorithmAndBothSums() {
    let wrong = String(repeating: "0", count: 64)
    #expect(throws: DataFileError.checksumMismatch(path: "raw/a.gz", algorithm: "SHA-256", expected: wrong, found: abc.sha256)) {
      try Checksum(sha256: wrong).verify(abc, path: "raw/a.gz")
    }
    let wrongMD5 = String(repeating: "1", count: 32)
    #expect(Checksum(sha256: abc.sha256, md5: wrongMD5).mismatch(with: abc)?.algorithm == "MD5")
  }

  @Test func parsesSha256sumAndMd5sumLists() throws {
    let text = """
      # comment
      \(abc.sha256)  a.gz
      \(abc.md5) *a.gz
      \(String(repeating: "f", count: 64))  b c.gz

      """
    let sums = try Checksum.parseList(text, path: "SUMS")
    #expect(sums["a.gz"] == Checksum(sha256: abc.sha256, md5: abc.md5))
    #expect(sums["b c.gz"]?.sha256 == String(repeating: "f", count: 64))
  }

  @Test func rejectsAMalformedListLine() {
    #expect(throws: DataFileError.badChecksumLine(path: "SUMS", line: 2, text: "abc  a.gz")) {
      try Checksum.parseList("\(abc.md5)  ok.gz\nabc  a.gz\n", path: "SUMS")
    }
  }
}
