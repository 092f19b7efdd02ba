import Testing
@testable import Checkpoints

@Suite struct TensorTests {
  @Test func floatsAreStoredLittleEndianAndReadBackExactly() throws {
    let tensor = Tensor(name: "w", floats: [1, -2, .infinity], shape: [3])
    #expect(tensor.dtype == .f32)
    #expect(tensor.bytes == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x80, 0x7F])
    #expect(try tensor.floats() == [1, -2, .infinity])
  }

  @Test func nanBitPatternsSurvive() throws {
    let quiet = Float(bitPattern: 0x7FC0_1234)
    let tensor = Tensor(name: "n", floats: [quiet], shape: [])
    #expect(try tensor.floats().map(\.bitPattern) == [0x7FC0_1234])
  }

  @Test func integerTypesUseTheirDTypeAndByteOrder() throws {
    let u = Tensor(name: "u", uint64s: [0x0102_0304_0506_0708], shape: [1])
    #expect(u.dtype == .u64)
    #expect(u.bytes == [8, 7, 6, 5, 4, 3, 2, 1])
    #expect(try u.uint64s() == [0x0102_0304_0506_0708])

    let i = Tensor(name: "i", int64s: [-2], shape: [])
    #expect(i.dtype == .i64)
    #expect(i.bytes == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try i.int64s() == [-2])

    let d = Tensor(name: "d", doubles: [1.5], shape: [1])
    #expect(d.bytes == [0, 0, 0, 0, 0, 0, 0xF8, 0x3F])
    #expect(try d.doubles() == [1.5])

    let b = Tensor(name: "b", uint8s: [9, 8], shape: [2, 1])
    #expect(try b.uint8s() == [9, 8])
  }

  @Test func scalarsHaveOneElementAndEmptyShapesNone() {
    #expect(Tensor(name: "s", floats: [4], shape: []).elementCount == 1)
    #expect(Tensor(name: "e", floats: [], shape: [3, 0]).bytes.isEmpty)
  }

  @Test func aTypedAccessorRejectsAnotherDType() {
    let tensor = Tensor(name: "step", uint64s: [1], shape: [])
    #expect(throws: CheckpointError.wrongDType(tensor: "step", expected: .f32, found: .u64)) { try tensor.floats() }
    #expect(throws: CheckpointError.wrongDType(tensor: "step", expected: .i64, found: .u64)) { try tensor.int64s() }
    #expect("\(CheckpointError.wrongDType(tensor: "step", expected: .f32, found: .u64))" == "tensor \"step\" is U64, expected F32")
  }

  @Test func dtypeSizesFollowTheSpec() {
    let sizes = Dictionary(uniqueKeysWithValues: TensorDType.allCases.map { ($0.rawValue, $0.byteSize) })
    #expect(sizes == [
      "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
      "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ])
  }
}
