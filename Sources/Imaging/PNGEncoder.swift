import DataFiles

/// Writes 8-bit, non-interlaced PNG and APNG files; the layout is described in
/// docs/FORMATS.md, section "PNG and APNG". All integers are big-endian.
///
/// File = 8-byte signature, then chunks. Chunk = length (UInt32, data bytes
/// only), 4-byte ASCII type, data, CRC-32 over type and data.
enum PNGEncoder {
  /// The eight bytes every PNG file starts with: \x89 "PNG" CR LF ^Z LF.
  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Largest data field written in one IDAT or fdAT chunk; longer streams are
  /// split across consecutive chunks (decoders concatenate them).
  static let defaultChunkLimit = 1 << 20

  /// A complete still PNG: signature, IHDR, IDAT..., IEND.
  static func still<Image: RasterImage>(
    _ image: Image, compressionLevel: Int32, chunkLimit: Int = defaultChunkLimit
  ) throws -> [UInt8] {
    var out = signature
    appendChunk("IHDR", header(image), to: &out)
    let stream = try compressedScanlines(image, level: compressionLevel)
    for piece in pieces(of: stream, limit: chunkLimit) {
      appendChunk("IDAT", piece, to: &out)
    }
    appendChunk("IEND", [], to: &out)
    return out
  }

  /// IHDR data, 13 bytes.
  static func header<Image: RasterImage>(_ image: Image) -> [UInt8] {
    var data: [UInt8] = []
    append32(UInt32(image.width), to: &data)  // width, 1...2^31-1
    append32(UInt32(image.height), to: &data)  // height, 1...2^31-1
    data.append(8)  // bit depth: 8 bits per sample
    data.append(Image.pngColourType)  // colour type: 0 grey, 2 RGB, 6 RGBA
    data.append(0)  // compression method: 0 = zlib deflate
    data.append(0)  // filter method: 0 = the five adaptive filters
    data.append(0)  // interlace method: 0 = none
    return data
  }

  /// The filtered scanlines (one filter-type byte before each row), zlib-compressed.
  static func compressedScanlines<Image: RasterImage>(_ image: Image, level: Int32) throws -> [UInt8] {
    let filtered = ScanlineFilter.filter(
      image.pixels, width: image.width, height: image.height, bytesPerPixel: Image.channels)
    return try Zlib.compress(filtered, format: .zlib, level: level)
  }

  /// Appends one chunk: length, type, data, CRC-32 of type + data.
  static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    precondition(typeBytes.count == 4, "a chunk type has four ASCII letters, got \(type)")
    precondition(data.count <= Int(Int32.max), "chunk data longer than 2^31 - 1 bytes")
    append32(UInt32(data.count), to: &out)
    out += typeBytes
    out += data
    let crc = Zlib.crc32(data, initial: Zlib.crc32(typeBytes))
    append32(crc, to: &out)
  }

  /// `bytes` cut into consecutive pieces of at most `limit` bytes (at least one piece).
  static func pieces(of bytes: [UInt8], limit: Int) -> [ArraySlice<UInt8>] {
    precondition(limit >= 1, "chunk limit must be positive")
    if bytes.isEmpty { return [bytes[...]] }
    return stride(from: 0, to: bytes.count, by: limit).map { bytes[$0..<min($0 + limit, bytes.count)] }
  }

  static func appendChunk(_ type: String, _ data: ArraySlice<UInt8>, to out: inout [UInt8]) {
    appendChunk(type, Array(data), to: &out)
  }

  static func append32(_ value: UInt32, to out: inout [UInt8]) {
    out += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
  }

  static func append16(_ value: UInt16, to out: inout [UInt8]) {
    out += [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)]
  }
}
