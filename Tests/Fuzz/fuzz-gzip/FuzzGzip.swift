import DataFiles
import FuzzSupport

/// The gzip (and zlib) stream: the Inflater fed the input in random chunks, its output
/// passed on to the IDX stream validator as `vae-decompress` does. Properties: output is
/// bounded (the validator stops a bomb at the header's size), and the whole-buffer
/// decompress agrees with the chunked one.
// Called by libFuzzer once per input.
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = FuzzInput.bytes(data, size)
  for format in [CompressedFormat.gzip, .zlib] {
    guard let inflater = try? Inflater(format: format, source: "fuzz", bufferSize: 1 << 12) else {
      FuzzInput.fail("Inflater.init failed")
    }
    let validator = IDXStreamValidator(source: "fuzz", expecting: (bytes.first ?? 0) & 1 == 0 ? .digitImages : .digitLabels)
    var produced: [UInt8] = []
    var ok = true
    do {
      for chunk in FuzzInput.chunks(bytes, seed: bytes.last ?? 0) {
        try chunk.withUnsafeBytes { input in
          try inflater.feed(input) { output in
            if produced.count < 1 << 22 { produced += output }
            try validator.consume(output)
          }
        }
      }
      try inflater.finish()
      _ = try validator.finish()
    } catch {
      ok = false
    }
    if ok, produced.count < 1 << 22 {
      guard let whole = try? Zlib.decompress(bytes, format: format, source: "fuzz"), whole == produced else {
        FuzzInput.fail("chunked inflate accepted \(produced.count) bytes, whole-buffer inflate disagrees")
      }
    }
  }
  return 0
}

/// The name libFuzzer's own `main` looks for (whichever `main` the linker keeps).
@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzGzip(data, size) }
