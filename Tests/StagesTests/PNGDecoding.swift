import Foundation
import TestSupport

/// An independent PNG reader for the figures the stages write: a python3
/// script using only zlib and struct checks the signature, each chunk's
/// CRC-32 and the IHDR, inflates the IDAT data, undoes the row filters and
/// writes the raw pixels to a file.
enum PNGDecoding {
  struct Image {
    let width: Int
    let height: Int
    /// Colour type: 0 grey, 2 RGB, 6 RGBA.
    let colourType: Int
    /// Row-major samples, top row first.
    let pixels: [UInt8]

    /// The grey level at column x, row y (grey images).
    subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }
  }

  static func read(_ path: String, scratch: TemporaryFolder) throws -> Image {
    let raw = scratch.file(URL(fileURLWithPath: path).lastPathComponent + ".raw")
    let output = try ProcessRunner.python(script, [path, raw])
    let fields = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    guard fields.count == 3 else { throw ReaderFailure(message: "unexpected PNG reader output: \(output)") }
    return Image(width: fields[0], height: fields[1], colourType: fields[2], pixels: try Files.read(raw))
  }

  static let script = #"""
    import struct, sys, zlib
    data = open(sys.argv[1], "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC in %r" % kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", "IHDR first, IEND last"
    width, height, depth, colour, compression, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and compression == 0 and filt == 0 and interlace == 0, "unsupported IHDR"
    bpp = {0: 1, 2: 3, 6: 4}[colour]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * bpp
    assert len(raw) == height * (stride + 1), "inflated size"
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        cur = bytearray(stride)
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 0: p = 0
            elif kind == 1: p = a
            elif kind == 2: p = b
            elif kind == 3: p = (a + b) // 2
            elif kind == 4:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else: raise SystemExit("filter type %d" % kind)
            cur[i] = (line[i] + p) & 0xFF
        out += cur
        prev = cur
    open(sys.argv[2], "wb").write(bytes(out))
    print(width, height, colour)
    """#
}

/// A test reader (PNG, XML) could not make sense of a file.
struct ReaderFailure: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
