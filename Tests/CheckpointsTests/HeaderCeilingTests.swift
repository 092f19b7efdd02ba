import Foundation
import Testing
@testable import Checkpoints

/// The header's resource ceilings (tensor count, metadata entries, JSON values,
/// nesting) and the parser's linear time, each refused in one line naming the limit.
@Suite struct HeaderCeilingTests {
  /// `count` empty F32 tensors `t000000`... and a CRC of the empty data section.
  func emptyTensors(_ count: Int) -> [UInt8] {
    var header = #"{"__metadata__":{"crc32":"00000000"}"#
    header.reserveCapacity(count * 64)
    for i in 0..<count {
      let digits = String(i)
      header += #","t"# + String(repeating: "0", count: 6 - digits.count) + digits + #"":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}"#
    }
    return craftedFile(header: header + "}")
  }

  @Test func tenThousandTensorsAreAcceptedQuickly() throws {
    let bytes = emptyTensors(SafeTensorsFile.maximumTensorCount)
    let clock = ContinuousClock()
    let start = clock.now
    let file = try SafeTensorsFile.decode(bytes, source: "f", requireChecksum: true)
    let elapsed = clock.now - start
    #expect(file.tensors.count == 10_000)
    // About 0.02 s on the project's machines; JSONSerialization took 0.25 s for as many.
    #expect(elapsed < .seconds(2), "decoding 10,000 empty tensors took \(elapsed)")
  }

  /// The issue's case: 300,000 empty tensors in a 20 MB header (under the 100 MB cap)
  /// took 7.6 s and 1.27 GB. Now the parser stops at tensor 10,001.
  @Test func moreTensorsThanTheLimitAreRefusedEarly() throws {
    let bytes = emptyTensors(300_000)
    let clock = ContinuousClock()
    let start = clock.now
    #expect(throws: CheckpointError.tooManyTensors(source: "f", limit: 10_000)) {
      try SafeTensorsFile.decode(bytes, source: "f")
    }
    #expect(clock.now - start < .seconds(2))
    #expect(
      "\(CheckpointError.tooManyTensors(source: "f", limit: 10_000))"
        == "f: header lists more than 10000 tensors, the limit; not a DigitVAE checkpoint, or a corrupt one")
    // Without __metadata__ the count is checked as well.
    let noMetadata = craftedFile(
      header: "{" + (0...10_000).map { #""t\#($0)":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}"# }.joined(separator: ",") + "}")
    #expect(throws: CheckpointError.tooManyTensors(source: "f", limit: 10_000)) { try SafeTensorsFile.decode(noMetadata, source: "f") }
  }

  @Test func tooManyMetadataEntries() {
    let pairs = (0...SafeTensorsFile.maximumMetadataEntries).map { #""k\#($0)":"v""# }.joined(separator: ",")
    #expect(throws: CheckpointError.badMetadata(source: "f", detail: "has 1001 entries, more than the limit of 1000")) {
      try SafeTensorsFile.decode(craftedFile(header: #"{"__metadata__":{\#(pairs)}}"#), source: "f")
    }
  }

  @Test func aDuplicateMetadataKey() {
    // JSONSerialization kept the second value and said nothing.
    #expect(throws: CheckpointError.badMetadata(source: "f", detail: "the key \"crc32\" appears twice")) {
      try SafeTensorsFile.decode(craftedFile(header: #"{"__metadata__":{"crc32":"00000000","crc32":"ffffffff"}}"#), source: "f")
    }
  }

  @Test func deepNestingAndTooManyValues() {
    let deep = #"{"w":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
    #expect {
      try SafeTensorsFile.decode(craftedFile(header: deep), source: "f")
    } throws: { error in
      guard case let .headerCeiling(source: "f", detail) = error as? CheckpointError else { return false }
      return detail.contains("nested deeper than 64 levels")
    }
    let wide = #"{"w":{"dtype":"U8","shape":["# + Array(repeating: "1", count: 300_000).joined(separator: ",") + #"],"data_offsets":[0,1]}}"#
    #expect {
      try SafeTensorsFile.decode(craftedFile(header: wide), source: "f")
    } throws: { error in
      guard case let .headerCeiling(source: "f", detail) = error as? CheckpointError else { return false }
      return detail.contains("more than 250000 JSON values")
    }
  }
}
