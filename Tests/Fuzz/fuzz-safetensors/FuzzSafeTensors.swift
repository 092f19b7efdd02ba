import Checkpoints
import FuzzSupport

/// The safetensors decoder (header length, JSON header, entries, offsets, CRC).
/// Properties: a file that decodes re-encodes to a file that decodes to the same
/// tensors and metadata; decoding with and without a required CRC agree when the
/// header has one.
// Called by libFuzzer once per input.
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = FuzzInput.bytes(data, size)
  let lenient = try? SafeTensorsFile.decode(bytes, source: "fuzz")
  let strict = try? SafeTensorsFile.decode(bytes, source: "fuzz", requireChecksum: true)
  if let strict, strict != lenient { FuzzInput.fail("strict and lenient decoding disagree") }
  if var file = lenient {
    file.metadata[SafeTensorsFile.checksumKey] = nil
    let again: SafeTensorsFile
    do { again = try SafeTensorsFile.decode(file.encoded(), source: "re-encoded", requireChecksum: true) } catch {
      FuzzInput.fail("a decoded file does not decode after encoding: \(error)")
    }
    var expected = file
    expected.metadata[SafeTensorsFile.checksumKey] = again.metadata[SafeTensorsFile.checksumKey]
    // Decoding sorts tensors by offset; encoding writes them in array order, so the order holds.
    guard again == expected else { FuzzInput.fail("round trip changed the file") }
    for tensor in file.tensors {
      _ = try? tensor.floats()
      _ = try? tensor.int64s()
      _ = try? tensor.uint64s()
      _ = try? tensor.doubles()
    }
  }
  return 0
}

/// The name libFuzzer's own `main` looks for (whichever `main` the linker keeps).
@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzSafeTensors(data, size) }
