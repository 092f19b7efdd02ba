import Foundation
import Testing
import TestSupport
@testable import DataFiles

@Suite struct HashTests {
  /// FIPS 180-4 / RFC 1321 test vectors and other well-known digests.
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "8215ef0796a20bcaaae116d3876c664a"
    ),
    (
      "The quick brown fox jumps over the lazy dog",
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592", "9e107d9d372bb6826bd81d3542a419d6"
    ),
    (
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e", "57edf4a22be3c955ac49da2e2107b67a"
    ),
  ])
  func knownVectors(message: String, sha256: String, md5: String) {
    #expect(Hex.string(SHA256.hash(Array(message.utf8))) == sha256)
    #expect(Hex.string(MD5.hash(Array(message.utf8))) == md5)
  }

  @Test func millionAs() {
    // FIPS 180-4 long-message vector, fed in uneven chunks.
    var sha = SHA256()
    var md5 = MD5()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
    var left = 1_000_000
    while left > 0 {
      let n = min(left, chunk.count)
      chunk.withUnsafeBytes { sha.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      chunk.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      left -= n
    }
    #expect(Hex.string(sha.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    #expect(Hex.string(md5.finalize()) == "7707d6ae4e027c70eea2a935c2296f21")
  }

  @Test func matchesPythonHashlibOnRandomDataAndChunkings() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    var rng = SystemRandomNumberGenerator()
    // Lengths around the 55/56/64-byte padding boundaries, plus larger ones.
    let lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537, 300_001]
    for (i, length) in lengths.enumerated() {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      try Files.write(bytes, to: folder.file("r\(i).bin"))
    }
    let script = """
      import hashlib, sys
      for i in range(int(sys.argv[2])):
          data = open('%s/r%d.bin' % (sys.argv[1], i), 'rb').read()
          print(hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())
      """
    let reference = try ProcessRunner.python(script, [folder.path, String(lengths.count)]).split(separator: "\n")
    #expect(reference.count == lengths.count)
    for i in lengths.indices {
      let bytes = try Files.read(folder.file("r\(i).bin"))
      // Feed in random chunk sizes so the partial-block path is exercised.
      var sha = SHA256()
      var md5 = MD5()
      var start = 0
      while start < bytes.count {
        let end = min(bytes.count, start + Int.random(in: 1...200, using: &rng))
        bytes.withUnsafeBytes { sha.update(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        bytes.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        start = end
      }
      let ours = Hex.string(sha.finalize()) + " " + Hex.string(md5.finalize())
      #expect(ours == String(reference[i]), "length \(lengths[i])")
      let fromFile = try FileDigests.compute(path: folder.file("r\(i).bin"))
      #expect(fromFile.sha256 + " " + fromFile.md5 == String(reference[i]))
    }
  }
}
