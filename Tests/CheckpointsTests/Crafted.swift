import Checkpoints

/// Builds safetensors bytes by hand: the 8-byte little-endian length, the
/// header text exactly as given (no padding added), then `data`.
func craftedFile(header: String, data: [UInt8] = []) -> [UInt8] {
  let json = Array(header.utf8)
  return littleEndian64(UInt64(json.count)) + json + data
}

func littleEndian64(_ value: UInt64) -> [UInt8] {
  (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// `bytes` with bit `bit` of byte `index` inverted.
func flippingBit(_ bytes: [UInt8], at index: Int, bit: Int = 0) -> [UInt8] {
  var copy = bytes
  copy[index] ^= UInt8(1) << UInt8(bit)
  return copy
}

/// A file with several dtypes and shapes, used by several suites.
func sampleFile(metadata: [String: String] = ["config": "{\"latent\": 20}"]) -> SafeTensorsFile {
  SafeTensorsFile(
    tensors: [
      Tensor(name: "encoder.weight", floats: [0.5, -1.25, 3, 1e-8, -0.0, 65504], shape: [2, 3]),
      Tensor(name: "step", uint64s: [12_000], shape: []),
      Tensor(name: "rng", uint64s: [0x0123_4567_89AB_CDEF, UInt64.max], shape: [2]),
      Tensor(name: "epoch", int64s: [-3, Int64.min, Int64.max], shape: [3]),
      Tensor(name: "mask", uint8s: [0, 1, 255, 7, 9], shape: [5]),
      Tensor(name: "lr", doubles: [1e-3], shape: [1, 1]),
      Tensor(name: "empty", floats: [], shape: [0, 4]),
    ],
    metadata: metadata)
}
