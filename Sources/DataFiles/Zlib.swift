import CZlib

/// The two framings zlib writes and reads around a deflate stream.
public enum CompressedFormat: Sendable {
  /// RFC 1952 gzip: header, deflate data, CRC-32 and length trailer. Used by the MNIST files.
  case gzip
  /// RFC 1950 zlib: two-byte header, deflate data, Adler-32. Used by PNG IDAT chunks.
  case zlib

  /// `windowBits` for `inflateInit2_` / `deflateInit2_`: +16 selects the gzip wrapper.
  var windowBits: Int32 { self == .gzip ? 16 + MAX_WBITS : MAX_WBITS }
}

/// Streaming decompression over zlib.
///
/// Feed compressed chunks in order; decompressed bytes go to the `output`
/// closure as they are produced. Concatenated gzip members (as `cat a.gz b.gz`
/// makes) are decoded one after another. zlib itself checks each member's
/// CRC-32 and length. Call `finish()` after the last chunk: it throws if the
/// stream stopped in the middle of a member.
public final class Inflater {
  private var stream = z_stream()
  private let format: CompressedFormat
  private let source: String
  private var outBuffer: [UInt8]
  private var sawInput = false
  private var atMemberEnd = false
  private var firstBytes: [UInt8] = []

  /// - Parameters:
  ///   - source: the file name used in error messages.
  ///   - bufferSize: size of the output scratch buffer handed to `output`.
  public init(format: CompressedFormat, source: String, bufferSize: Int = 1 << 18) throws {
    self.format = format
    self.source = source
    self.outBuffer = [UInt8](repeating: 0, count: bufferSize)
    let code = inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard code == Z_OK else { throw DataFileError.zlib(operation: "inflateInit2", code: code) }
  }

  deinit { inflateEnd(&stream) }

  /// Decompresses one chunk of input (of any size: zlib's counts are 32-bit, so a chunk
  /// over 1 GiB is fed in pieces).
  public func feed(_ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
    var start = 0
    while input.count - start > Self.maximumPiece {
      try feedPiece(UnsafeRawBufferPointer(rebasing: input[start..<(start + Self.maximumPiece)]), output: output)
      start += Self.maximumPiece
    }
    try feedPiece(UnsafeRawBufferPointer(rebasing: input[start...]), output: output)
  }

  /// The largest piece handed to zlib at once (its `avail_in` is a 32-bit count).
  static let maximumPiece = 1 << 30

  private func feedPiece(_ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
    guard input.count > 0, let base = input.baseAddress else { return }
    if firstBytes.count < 4 { firstBytes += input.prefix(4 - firstBytes.count) }
    if !sawInput, format == .gzip, let first = input.first, first != 0x1f {
      throw DataFileError.notGzip(path: source, firstBytes: Array(input.prefix(4)))
    }
    sawInput = true
    stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(input.count)
    while stream.avail_in > 0 {
      if atMemberEnd {
        // Another gzip member follows the one that just ended.
        let code = inflateReset(&stream)
        guard code == Z_OK else { throw DataFileError.zlib(operation: "inflateReset", code: code) }
        atMemberEnd = false
      }
      try outBuffer.withUnsafeMutableBytes { out in
        repeat {
          stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
          stream.avail_out = uInt(out.count)
          let code = inflate(&stream, Z_NO_FLUSH)
          let produced = out.count - Int(stream.avail_out)
          if produced > 0 { try output(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
          switch code {
          case Z_OK, Z_BUF_ERROR:
            break
          case Z_STREAM_END:
            atMemberEnd = true
            return
          default:
            throw corruption(code)
          }
        } while stream.avail_out == 0
      }
    }
  }

  /// Checks that the input ended at the end of a complete member.
  public func finish() throws {
    guard sawInput else { throw DataFileError.notGzip(path: source, firstBytes: []) }
    guard atMemberEnd else { throw DataFileError.truncatedCompressed(path: source) }
  }

  private func corruption(_ code: Int32) -> DataFileError {
    let detail = stream.msg.map { String(cString: $0) } ?? "zlib code \(code)"
    if format == .gzip, detail == "incorrect header check", firstBytes.first != 0x1f || firstBytes.dropFirst().first != 0x8b {
      return .notGzip(path: source, firstBytes: firstBytes)
    }
    return .corruptCompressed(path: source, detail: detail)
  }
}

/// Streaming compression over zlib: feed chunks, then `finish` to flush the trailer.
public final class Deflater {
  private var stream = z_stream()
  private var outBuffer: [UInt8]

  /// - Parameter level: 0 (store) to 9 (smallest); 6 is zlib's default.
  public init(format: CompressedFormat, level: Int32 = 6, bufferSize: Int = 1 << 16) throws {
    outBuffer = [UInt8](repeating: 0, count: bufferSize)
    let code = deflateInit2_(
      &stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
      ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard code == Z_OK else { throw DataFileError.zlib(operation: "deflateInit2", code: code) }
  }

  deinit { deflateEnd(&stream) }

  public func feed(_ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
    guard input.count > 0, let base = input.baseAddress else { return }
    // zlib's avail_in is 32 bits: hand it at most 1 GiB at a time.
    var start = 0
    while start < input.count {
      let n = min(input.count - start, Inflater.maximumPiece)
      stream.next_in = UnsafeMutablePointer(mutating: (base + start).assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(n)
      try run(flush: Z_NO_FLUSH, output: output)
      start += n
    }
  }

  public func finish(output: (UnsafeRawBufferPointer) throws -> Void) throws {
    stream.next_in = nil
    stream.avail_in = 0
    try run(flush: Z_FINISH, output: output)
  }

  private func run(flush: Int32, output: (UnsafeRawBufferPointer) throws -> Void) throws {
    try outBuffer.withUnsafeMutableBytes { out in
      while true {
        stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(out.count)
        let code = deflate(&stream, flush)
        guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
          throw DataFileError.zlib(operation: "deflate", code: code)
        }
        let produced = out.count - Int(stream.avail_out)
        if produced > 0 { try output(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
        if flush == Z_FINISH ? code == Z_STREAM_END : (stream.avail_out != 0 && stream.avail_in == 0) { return }
      }
    }
  }
}

/// Whole-buffer conveniences over `Inflater`, `Deflater` and zlib's checksums.
public enum Zlib {
  /// Compresses `bytes` in one call.
  public static func compress(_ bytes: some Collection<UInt8>, format: CompressedFormat, level: Int32 = 6) throws -> [UInt8] {
    let deflater = try Deflater(format: format, level: level)
    var result: [UInt8] = []
    let collect: (UnsafeRawBufferPointer) -> Void = { result.append(contentsOf: $0) }
    try Array(bytes).withUnsafeBytes { try deflater.feed($0, output: collect) }
    try deflater.finish(output: collect)
    return result
  }

  /// Decompresses `bytes` in one call; `source` names the data in errors.
  public static func decompress(_ bytes: some Collection<UInt8>, format: CompressedFormat, source: String) throws -> [UInt8] {
    let inflater = try Inflater(format: format, source: source)
    var result: [UInt8] = []
    try Array(bytes).withUnsafeBytes { input in
      try inflater.feed(input) { result.append(contentsOf: $0) }
    }
    try inflater.finish()
    return result
  }

  /// CRC-32 (the gzip/PNG polynomial), continuing from `initial`.
  public static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    var crc = UInt(initial)
    var offset = 0
    // zlib's length is a uInt (32 bits): walk very large buffers in pieces.
    while offset < bytes.count {
      let n = min(bytes.count - offset, 1 << 30)
      crc = CZlib.crc32(crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
      offset += n
    }
    return UInt32(truncatingIfNeeded: crc)
  }

  public static func crc32(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { crc32($0, initial: initial) }
  }
}
