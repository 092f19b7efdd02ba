import DataFiles
import Testing
@testable import Checkpoints

/// One test per rejection path of `SafeTensorsFile.decode`, each checking the
/// exact error (and so the values its message reports).
@Suite struct SafeTensorsDecodingTests {
  let entry = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
  let eightBytes: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]

  @Test func aFileShorterThanEightBytes() {
    for size in 0..<8 {
      #expect(throws: CheckpointError.fileTooShort(source: "f", size: size)) {
        try SafeTensorsFile.decode([UInt8](repeating: 0, count: size), source: "f")
      }
    }
  }

  @Test func aHeaderLengthLargerThanTheFile() {
    let bytes = littleEndian64(1000) + Array(#"{"w":{}}"#.utf8)
    #expect(throws: CheckpointError.headerBeyondFile(source: "f", length: 1000, fileSize: 16)) {
      try SafeTensorsFile.decode(bytes, source: "f")
    }
    // Exactly at the cap is not "too large", only longer than this file.
    #expect(throws: CheckpointError.headerBeyondFile(source: "f", length: 100_000_000, fileSize: 16)) {
      try SafeTensorsFile.decode(littleEndian64(100_000_000) + Array(#"{"w":{}}"#.utf8), source: "f")
    }
  }

  @Test func aHeaderOverTheCap() {
    for length: UInt64 in [100_000_001, 1 << 40, UInt64.max] {
      #expect(throws: CheckpointError.headerTooLarge(source: "f", length: length, cap: 100_000_000)) {
        try SafeTensorsFile.decode(littleEndian64(length) + [UInt8](repeating: 0x20, count: 64), source: "f")
      }
    }
  }

  @Test func aHeaderThatIsNotJSON() throws {
    let cases: [(header: [UInt8], detail: String)] = [
      (Array("not json".utf8), "it starts with byte 0x6e, expected '{'"),
      (Array(" {}".utf8), "it starts with byte 0x20, expected '{'"),
      ([], "the header is empty"),
      ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "it is not valid UTF-8"),
    ]
    for (header, detail) in cases {
      #expect(throws: CheckpointError.headerNotJSON(source: "f", detail: detail)) {
        try SafeTensorsFile.decode(littleEndian64(UInt64(header.count)) + header, source: "f")
      }
    }
    // Broken JSON: check the case and that the detail says where.
    for header in [#"{"w":"#, #"{"w":{}} x"#, #"{"w":NaN}"#, #"{"w":01}"#, "{\"w\":\"a\u{01}\"}", #"{"w":"\ud800"}"#, #"{"w":[1,]}"#] {
      #expect {
        try SafeTensorsFile.decode(craftedFile(header: header), source: "f")
      } throws: { error in
        guard case .headerNotJSON(source: "f", _) = error as? CheckpointError else { return false }
        return "\(error)".hasPrefix("f: header is not a JSON object (") && "\(error)".contains(" at byte ")
      }
    }
  }

  @Test func duplicateTensorNames() {
    // JSONSerialization alone would keep the second and say nothing.
    let header = #"{"w":\#(entry),"w":\#(entry)}"#
    #expect(throws: CheckpointError.duplicateTensor(source: "f", name: "w")) {
      try SafeTensorsFile.decode(craftedFile(header: header, data: eightBytes), source: "f")
    }
    // The same name spelled with an escape is still the same name.
    let escaped = #"{"w":\#(entry),"\u0077":\#(entry)}"#
    #expect(throws: CheckpointError.duplicateTensor(source: "f", name: "w")) {
      try SafeTensorsFile.decode(craftedFile(header: escaped, data: eightBytes), source: "f")
    }
  }

  @Test func anUnknownDType() {
    let header = #"{"w":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}}"#
    #expect(throws: CheckpointError.unknownDType(source: "f", tensor: "w", found: "F12")) {
      try SafeTensorsFile.decode(craftedFile(header: header, data: eightBytes), source: "f")
    }
    #expect("\(CheckpointError.unknownDType(source: "f", tensor: "w", found: "F12"))".contains("expected one of BOOL, U8"))
  }

  @Test func aShapeThatDoesNotMatchTheOffsets() {
    let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
    let expected = CheckpointError.sizeMismatch(source: "f", tensor: "w", dtype: .f32, shape: [3], expectedBytes: 12, begin: 0, end: 8)
    #expect(throws: expected) { try SafeTensorsFile.decode(craftedFile(header: header, data: eightBytes), source: "f") }
    #expect("\(expected)" == "f: tensor \"w\" (F32, shape [3]) needs 12 bytes, data_offsets [0, 8] hold 8")
  }

  @Test func offsetsOutOfRange() {
    for offsets in ["[8,0]", "[-4,4]", "[0,99999999999999999999]", "[0,8.5]", "[\"0\",8]", "[true,8]"] {
      let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":\#(offsets)}}"#
      #expect {
        try SafeTensorsFile.decode(craftedFile(header: header, data: eightBytes), source: "f")
      } throws: { error in
        guard case .offsetsOutOfRange(source: "f", tensor: "w", _) = error as? CheckpointError else { return false }
        return true
      }
    }
    #expect(throws: CheckpointError.offsetsOutOfRange(source: "f", tensor: "w", found: "[8,0]")) {
      try SafeTensorsFile.decode(
        craftedFile(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eightBytes), source: "f")
    }
  }

  @Test func malformedTensorEntries() {
    let cases: [(entry: String, detail: String)] = [
      (#""x""#, "the entry is not an object"),
      (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}"#, "unknown key \"extra\""),
      (#"{"shape":[2],"data_offsets":[0,8]}"#, "\"dtype\" is missing or not a string"),
      (#"{"dtype":"F32","data_offsets":[0,8]}"#, "\"shape\" is missing or not an array"),
      (#"{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}"#, "shape [2.0] is not a list of non-negative integers"),
      (#"{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}"#, "shape [2e0] is not a list of non-negative integers"),
      (#"{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, "the key \"dtype\" appears twice"),
      (#"{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}"#, "shape [-2] is not a list of non-negative integers"),
      (#"{"dtype":"F32","shape":[true],"data_offsets":[0,8]}"#, "shape [true] is not a list of non-negative integers"),
      (#"{"dtype":"F32","shape":[2]}"#, "\"data_offsets\" is missing or not an array"),
      (#"{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}"#, "data_offsets has 3 values, expected 2"),
      (#"{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8]}"#, "shape [4294967296, 4294967296] has more bytes than fit in 64 bits"),
      // A zero does not excuse the other dimensions (as for IDX): [2^32, 0, 2^32] used to pass as empty.
      (#"{"dtype":"U8","shape":[4294967296,0,4294967296],"data_offsets":[0,0]}"#, "shape [4294967296, 0, 4294967296] has more bytes than fit in 64 bits"),
    ]
    for (entry, detail) in cases {
      #expect(throws: CheckpointError.badTensorEntry(source: "f", tensor: "w", detail: detail)) {
        try SafeTensorsFile.decode(craftedFile(header: #"{"w":\#(entry)}"#, data: eightBytes), source: "f")
      }
    }
  }

  @Test func aGapBetweenTensorsOrBeforeTheFirst() {
    let gap = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}"#
    let expected = CheckpointError.gap(source: "f", tensor: "b", begin: 6, previousEnd: 4)
    #expect(throws: expected) { try SafeTensorsFile.decode(craftedFile(header: gap, data: Array(0..<10)), source: "f") }
    #expect("\(expected)".hasPrefix("f: 2 unclaimed bytes before tensor \"b\" (it begins at 6, the data before it ends at 4)"))

    let leading = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#
    #expect(throws: CheckpointError.gap(source: "f", tensor: "a", begin: 2, previousEnd: 0)) {
      try SafeTensorsFile.decode(craftedFile(header: leading, data: Array(0..<6)), source: "f")
    }
  }

  @Test func overlappingTensors() {
    let header = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#
    let expected = CheckpointError.overlap(source: "f", tensor: "b", begin: 2, previous: "a", previousEnd: 4)
    #expect(throws: expected) { try SafeTensorsFile.decode(craftedFile(header: header, data: Array(0..<6)), source: "f") }
    // Two tensors on the very same bytes.
    let same = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
    #expect(throws: CheckpointError.overlap(source: "f", tensor: "b", begin: 0, previous: "a", previousEnd: 4)) {
      try SafeTensorsFile.decode(craftedFile(header: same, data: Array(0..<4)), source: "f")
    }
  }

  @Test func aTruncatedFile() throws {
    let whole = sampleFile().encoded()
    for cut in [1, 7, 8, 40] {
      let expected = CheckpointError.truncated(source: "f", expectedSize: whole.count, fileSize: whole.count - cut)
      #expect(throws: expected) { try SafeTensorsFile.decode(Array(whole.dropLast(cut)), source: "f") }
    }
    #expect(
      "\(CheckpointError.truncated(source: "f", expectedSize: 200, fileSize: 190))"
        == "f: file is 190 bytes, its header describes 200; truncated file (or corrupt header)")
  }

  @Test func trailingBytesNoTensorClaims() {
    let header = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
    #expect(throws: CheckpointError.unclaimedBytes(source: "f", dataSize: 7, claimed: 4)) {
      try SafeTensorsFile.decode(craftedFile(header: header, data: Array(0..<7)), source: "f")
    }
  }

  @Test func aBitFlippedInTheData() throws {
    let file = sampleFile()
    let bytes = file.encoded()
    let stored = file.dataChecksum
    let flipped = flippingBit(bytes, at: bytes.count - 5, bit: 3)
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    let computed = Zlib.crc32(Array(flipped[(8 + headerLength)...]))
    #expect(computed != stored)
    let expected = CheckpointError.checksumMismatch(source: "ckpt.safetensors", computed: computed, stored: stored)
    #expect(throws: expected) { try SafeTensorsFile.decode(flipped, source: "ckpt.safetensors") }
    #expect(
      "\(CheckpointError.checksumMismatch(source: "ckpt.safetensors", computed: 0x1a2b_3c4d, stored: 0x9f8e_7d6c))"
        == "ckpt.safetensors: data CRC-32 is 1a2b3c4d, header says 9f8e7d6c (file corrupted or truncated)")
  }

  @Test func aBitFlippedInAShapeDigit() throws {
    let bytes = SafeTensorsFile(tensors: [Tensor(name: "w", floats: [1, -2], shape: [2])]).encoded()
    let digit = try #require(bytes.firstRange(of: Array("[2]".utf8))).lowerBound + 1
    let flipped = flippingBit(bytes, at: digit, bit: 0)  // '2' -> '3'
    #expect(throws: CheckpointError.sizeMismatch(source: "f", tensor: "w", dtype: .f32, shape: [3], expectedBytes: 12, begin: 0, end: 8)) {
      try SafeTensorsFile.decode(flipped, source: "f")
    }
  }

  /// Every single-bit flip in the length prefix and header is rejected,
  /// except inside a tensor name or a free metadata value, where the data
  /// read back is still exactly the original.
  @Test func everyBitFlipInTheHeaderIsCaughtOrHarmless() throws {
    let file = SafeTensorsFile(
      tensors: [
        Tensor(name: "w", floats: [1, -2, 0.5], shape: [3]),
        Tensor(name: "s", uint64s: [7], shape: []),
        Tensor(name: "z", uint8s: [], shape: [0]),
      ],
      metadata: ["note": "hi"])
    let bytes = file.encoded()
    let headerEnd = 8 + (Int(bytes[0]) | Int(bytes[1]) << 8)
    let text = Array(bytes[0..<headerEnd])
    // Byte positions of the free strings: the names, and the note's key and value.
    var harmless = Set<Int>()
    for literal in [#""w":{"#, #""s":{"#, #""z":{"#] {
      let range = try #require(text.firstRange(of: Array(literal.utf8)))
      harmless.insert(range.lowerBound + 1)
    }
    let note = try #require(text.firstRange(of: Array(#""note":"hi""#.utf8)))
    harmless.formUnion((note.lowerBound + 1)..<(note.lowerBound + 5))
    harmless.formUnion((note.upperBound - 3)..<(note.upperBound - 1))
    var accepted = 0
    for index in 0..<headerEnd {
      for bit in 0..<8 {
        let flipped = flippingBit(bytes, at: index, bit: bit)
        guard let decoded = try? SafeTensorsFile.decode(flipped, source: "f", requireChecksum: true) else { continue }
        accepted += 1
        #expect(harmless.contains(index), "flip of bit \(bit) at byte \(index) was accepted")
        #expect(decoded.tensors.map(\.bytes) == file.tensors.map(\.bytes))
        #expect(decoded.tensors.map(\.shape) == file.tensors.map(\.shape))
        #expect(decoded.tensors.map(\.dtype) == file.tensors.map(\.dtype))
      }
    }
    // Flips that keep a name printable ASCII are legitimately accepted.
    #expect(accepted > 0 && accepted < harmless.count * 8)
  }

  @Test func metadataThatIsNotAStringMap() {
    #expect(throws: CheckpointError.badMetadata(source: "f", detail: "is not an object of strings")) {
      try SafeTensorsFile.decode(craftedFile(header: #"{"__metadata__":[1]}"#), source: "f")
    }
    #expect(throws: CheckpointError.badMetadata(source: "f", detail: "the value of \"epoch\" is not a string")) {
      try SafeTensorsFile.decode(craftedFile(header: #"{"__metadata__":{"epoch":3}}"#), source: "f")
    }
  }

  @Test func aChecksumThatIsNotEightHexDigits() {
    for stored in ["C3872656", "c387265", "c38726560", "c387265g", ""] {
      let header = #"{"__metadata__":{"crc32":"\#(stored)"},"w":\#(entry)}"#
      #expect(throws: CheckpointError.badMetadata(source: "f", detail: "\"crc32\" is \"\(stored)\", expected 8 lower-case hex digits")) {
        try SafeTensorsFile.decode(craftedFile(header: header, data: eightBytes), source: "f")
      }
    }
  }

  @Test func aMissingChecksumOnlyWhenRequired() throws {
    let bytes = craftedFile(header: #"{"w":\#(entry)}"#, data: eightBytes)
    let file = try SafeTensorsFile.decode(bytes, source: "f")
    #expect(try file["w"]?.floats() == [1, 2])
    #expect(throws: CheckpointError.missingChecksum(source: "f")) {
      try SafeTensorsFile.decode(bytes, source: "f", requireChecksum: true)
    }
  }

  @Test func foreignLayoutsThatAreStillValid() throws {
    // No padding, whitespace and newlines in the header, an empty tensor between two others.
    let header = """
      { "a" : {"dtype":"U8","shape":[2],"data_offsets":[0,2]},
        "e" : {"dtype":"F64","shape":[0,3],"data_offsets":[2,2]},
        "b" : {"dtype":"I8","shape":[],"data_offsets":[2,3]} }
      """
    let file = try SafeTensorsFile.decode(craftedFile(header: header, data: [1, 2, 0xFF]), source: "f")
    #expect(file.tensors.map(\.name) == ["a", "e", "b"])
    #expect(file["b"]?.dtype == .i8)
    #expect(file["b"]?.bytes == [0xFF])
  }
}
