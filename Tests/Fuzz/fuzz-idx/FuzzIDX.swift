import DataFiles
import FuzzSupport

/// IDX files: the whole-file reader (UInt8 and Float32), the header reader, and the
/// streaming validator (images and labels) fed the same bytes in random chunks.
/// Properties besides "no trap": a file the reader accepts holds exactly shape-product
/// elements, and the stream validator agrees with the file reader on UInt8 files.
// Called by libFuzzer once per input.
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = FuzzInput.bytes(data, size)
  let path = FuzzInput.writeScratch(bytes)
  let header = try? IDX.readHeader(path)
  if let array = try? IDX.read(UInt8.self, from: path) {
    guard array.scalars.count == array.shape.reduce(1, *), header?.shape == array.shape else {
      FuzzInput.fail("IDX.read gave \(array.scalars.count) bytes for shape \(array.shape)")
    }
  }
  if let array = try? IDX.read(Float.self, from: path), array.scalars.count != array.shape.reduce(1, *) {
    FuzzInput.fail("IDX.read gave \(array.scalars.count) floats for shape \(array.shape)")
  }
  for expectation in [IDXStreamValidator.Expectation.digitImages, .digitLabels] {
    let validator = IDXStreamValidator(source: "fuzz", expecting: expectation)
    var failed = false
    for chunk in FuzzInput.chunks(bytes, seed: bytes.last ?? 0) {
      do { try chunk.withUnsafeBytes { try validator.consume($0) } } catch {
        failed = true
        break
      }
    }
    if !failed, let shape = try? validator.finish() {
      // What the stream accepts, the file reader accepts with the same shape.
      guard header?.typeCode == 0x08, header?.shape == shape else {
        FuzzInput.fail("stream validator accepted shape \(shape), the file reader says \(String(describing: header))")
      }
    }
  }
  return 0
}

/// The name libFuzzer's own `main` looks for (whichever `main` the linker keeps).
@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzIDX(data, size) }
