import Foundation
import Testing
import TestSupport
@testable import Checkpoints

/// Runs `python3 -c SCRIPT ARGS...` and collects its output.
enum Python {
  struct Result {
    let status: Int32
    let output: String
    let errors: String
  }

  static func run(_ script: String, arguments: [String] = []) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Outputs here are a few kB, well under a pipe's buffer, so reading one then the other cannot stall.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      errors: String(decoding: errorData, as: UTF8.self))
  }

  /// Runs a script that must succeed and print one JSON object.
  static func json(_ script: String, arguments: [String] = []) throws -> [String: Any] {
    let result = try run(script, arguments: arguments)
    try #require(result.status == 0, "python3 failed (status \(result.status)):\n\(result.errors)")
    let parsed = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    return try #require(parsed as? [String: Any], "python3 printed: \(result.output)")
  }

  /// Whether the `safetensors` package is importable (it is optional).
  static let hasSafetensors: Bool = (try? run("import safetensors.numpy").status == 0) ?? false
}

/// Float32 values from JSON numbers, flattened row-major.
private func flatFloats(_ json: Any?) -> [Float] {
  if let list = json as? [Any] { return list.flatMap(flatFloats) }
  if let number = json as? NSNumber { return [Float(number.doubleValue)] }
  return []
}

private func flatNumbers(_ json: Any?) -> [NSNumber] {
  if let list = json as? [Any] { return list.flatMap(flatNumbers) }
  if let number = json as? NSNumber { return [number] }
  return []
}

/// Cross-checks with Python: the file layout is parsed there with only
/// struct, json, zlib and numpy, never with this module's code.
/// Float values must match exactly (tolerance 0): float32 -> Python float ->
/// JSON repr -> Double -> Float is lossless.
@Suite struct PythonCrossCheckTests {
  static let parseByHand = #"""
    import json, struct, sys, zlib
    import numpy as np
    raw = open(sys.argv[1], 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header_text = raw[8:8 + n]
    def unique(pairs):
        assert len({k for k, _ in pairs}) == len(pairs), 'duplicate keys'
        return dict(pairs)
    header = json.loads(header_text, object_pairs_hook=unique)
    first_key = next(iter(header))
    data = raw[8 + n:]
    meta = header.pop('__metadata__')
    kinds = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8', 'U64': '<u8', 'U8': 'u1'}
    position, tensors = 0, []
    for name, info in header.items():
        begin, end = info['data_offsets']
        assert begin == position, (name, begin, position)
        position = end
        array = np.frombuffer(data[begin:end], dtype=kinds[info['dtype']]).reshape(info['shape'])
        tensors.append({'name': name, 'dtype': info['dtype'], 'shape': list(array.shape), 'values': array.tolist()})
    assert position == len(data), (position, len(data))
    print(json.dumps({
        'first_key': first_key,
        'data_start': 8 + n,
        'padding': header_text[len(header_text.rstrip(b' ')):].decode(),
        'crc32': '%08x' % zlib.crc32(data),
        'metadata': meta,
        'tensors': tensors,
    }))
    """#

  @Test func aSwiftFileParsedByHandInPython() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("cross.safetensors")
    let file = sampleFile(metadata: ["config": "{\"latent\": 20}", "name": "dénoise \"1\""])
    try file.write(to: path)

    let seen = try Python.json(Self.parseByHand, arguments: [path])
    #expect(seen["first_key"] as? String == "__metadata__")
    let dataStart = try #require(seen["data_start"] as? Int)
    #expect(dataStart % 8 == 0, "data starts at \(dataStart)")
    #expect((seen["padding"] as? String)?.allSatisfy { $0 == " " } == true)
    #expect(seen["metadata"] as? [String: String] == ["config": "{\"latent\": 20}", "name": "dénoise \"1\"", "crc32": seen["crc32"] as? String ?? "?"])

    let tensors = try #require(seen["tensors"] as? [[String: Any]])
    #expect(tensors.map { $0["name"] as? String } == file.tensors.map(\.name))
    #expect(tensors.map { $0["dtype"] as? String } == file.tensors.map(\.dtype.rawValue))
    #expect(tensors.map { $0["shape"] as? [Int] } == file.tensors.map(\.shape))
    func values(_ name: String) -> Any? { tensors.first { $0["name"] as? String == name }?["values"] }

    // Row-major: numpy's nested lists must be the rows as we wrote them.
    let weight = try #require(values("encoder.weight") as? [[Double]])
    #expect(weight.map { $0.map(Float.init) } == [[0.5, -1.25, 3], [1e-8, -0.0, 65504]])
    #expect(flatFloats(values("encoder.weight")).map(\.bitPattern) == (try file["encoder.weight"]!.floats()).map(\.bitPattern))
    #expect((values("step") as? NSNumber)?.uint64Value == 12_000)  // a 0-d array comes back as a plain number
    #expect(flatNumbers(values("rng")).map(\.uint64Value) == [0x0123_4567_89AB_CDEF, UInt64.max])
    #expect(flatNumbers(values("epoch")).map(\.int64Value) == [-3, Int64.min, Int64.max])
    #expect(flatNumbers(values("mask")).map(\.intValue) == [0, 1, 255, 7, 9])
    #expect(flatNumbers(values("lr")).map(\.doubleValue) == [1e-3])
    #expect((values("empty") as? [Any])?.isEmpty == true)
  }

  @Test func aSwiftFileChecksumMatchesZlibInPython() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("crc.safetensors")
    let file = sampleFile()
    try file.write(to: path)
    let seen = try Python.json(Self.parseByHand, arguments: [path])
    let stored = (seen["metadata"] as? [String: String])?["crc32"]
    #expect(stored == seen["crc32"] as? String, "Swift wrote \(stored ?? "nil"), Python's zlib.crc32 gives \(seen["crc32"] ?? "nil")")
    #expect(stored == hex8(file.dataChecksum))
  }

  @Test func aFileWrittenByHandInPythonIsReadInSwift() throws {
    // Keys out of data order, no padding, a checksum from Python's zlib.
    let script = #"""
      import json, struct, sys, zlib
      import numpy as np
      w = np.array([[1.5, -2.0], [0.25, 8.0]], dtype='<f4')
      n = np.array([-7, 2**40], dtype='<i8')
      b = np.array([3, 4, 5], dtype='u1')
      d = np.array(3.141592653589793, dtype='<f8')
      blobs = [('w', 'F32', w), ('n', 'I64', n), ('b', 'U8', b), ('d', 'F64', d)]
      data, entries, position = b'', {}, 0
      for name, dtype, array in blobs:
          raw = array.tobytes(order='C')
          entries[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [position, position + len(raw)]}
          data += raw
          position += len(raw)
      header = {'d': entries['d'], 'b': entries['b'], '__metadata__': {'crc32': '%08x' % zlib.crc32(data), 'by': 'python'}, 'n': entries['n'], 'w': entries['w']}
      text = json.dumps(header).encode()
      open(sys.argv[1], 'wb').write(struct.pack('<Q', len(text)) + text + data)
      """#
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("from-python.safetensors")
    let result = try Python.run(script, arguments: [path])
    try #require(result.status == 0, "python3 failed:\n\(result.errors)")

    let file = try SafeTensorsFile.read(from: path, requireChecksum: true)
    #expect(file.tensors.map(\.name) == ["w", "n", "b", "d"])
    #expect(file["w"]?.shape == [2, 2])
    #expect(try file["w"]?.floats() == [1.5, -2, 0.25, 8])
    #expect(try file["n"]?.int64s() == [-7, 1 << 40])
    #expect(try file["b"]?.uint8s() == [3, 4, 5])
    #expect(file["d"]?.shape == [])
    #expect(try file["d"]?.doubles() == [3.141592653589793])
    #expect(file.metadata["by"] == "python")
  }

  @Test(.enabled(if: Python.hasSafetensors, "the Python package safetensors is not installed: skipping the check against safetensors.numpy"))
  func theSafetensorsPackageLoadsASwiftFile() throws {
    let script = #"""
      import json, sys
      from safetensors import safe_open
      from safetensors.numpy import load_file
      tensors = load_file(sys.argv[1])
      with safe_open(sys.argv[1], framework='np') as f:
          metadata = f.metadata()
          keys = list(f.keys())
      print(json.dumps({
          'keys': keys,
          'metadata': metadata,
          'tensors': {k: {'dtype': str(v.dtype), 'shape': list(v.shape), 'values': v.tolist()} for k, v in tensors.items()},
      }))
      """#
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("for-safetensors.safetensors")
    let file = sampleFile()
    try file.write(to: path)
    let seen = try Python.json(script, arguments: [path])
    #expect(Set(seen["keys"] as? [String] ?? []) == Set(file.tensors.map(\.name)))
    #expect((seen["metadata"] as? [String: String])?["crc32"] == hex8(file.dataChecksum))
    #expect((seen["metadata"] as? [String: String])?["config"] == "{\"latent\": 20}")
    let tensors = try #require(seen["tensors"] as? [String: [String: Any]])
    let numpyTypes = ["encoder.weight": "float32", "step": "uint64", "rng": "uint64", "epoch": "int64", "mask": "uint8", "lr": "float64", "empty": "float32"]
    for tensor in file.tensors {
      #expect(tensors[tensor.name]?["dtype"] as? String == numpyTypes[tensor.name])
      #expect(tensors[tensor.name]?["shape"] as? [Int] == tensor.shape)
    }
    #expect(flatFloats(tensors["encoder.weight"]?["values"]) == [0.5, -1.25, 3, 1e-8, -0.0, 65504])
    #expect(flatNumbers(tensors["rng"]?["values"]).map(\.uint64Value) == [0x0123_4567_89AB_CDEF, UInt64.max])
    #expect(flatNumbers(tensors["epoch"]?["values"]).map(\.int64Value) == [-3, Int64.min, Int64.max])
  }

  @Test(.enabled(if: Python.hasSafetensors, "the Python package safetensors is not installed: skipping the check against safetensors.numpy"))
  func aFileSavedBySafetensorsIsReadInSwift() throws {
    let script = #"""
      import sys
      import numpy as np
      from safetensors.numpy import save_file
      save_file({'b': np.arange(6, dtype=np.float32).reshape(2, 3), 'a': np.array([5], dtype=np.uint64), 's': np.array(-1, dtype=np.int64)}, sys.argv[1], metadata={'format': 'np'})
      """#
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("by-safetensors.safetensors")
    let result = try Python.run(script, arguments: [path])
    try #require(result.status == 0, "python3 failed:\n\(result.errors)")
    let file = try SafeTensorsFile.read(from: path)
    #expect(Set(file.tensors.map(\.name)) == ["a", "b", "s"])
    #expect(try file["b"]?.floats() == [0, 1, 2, 3, 4, 5])
    #expect(file["b"]?.shape == [2, 3])
    #expect(try file["a"]?.uint64s() == [5])
    #expect(try file["s"]?.int64s() == [-1])
    #expect(file["s"]?.shape == [])
    #expect(file.metadata == ["format": "np"])
  }
}
