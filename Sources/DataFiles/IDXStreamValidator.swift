/// Checks an IDX byte stream as it passes by (e.g. out of the Inflater),
/// without holding it: the header as soon as it is complete, then the
/// payload length, and optionally each label.
///
/// Feed every chunk to `consume`, then call `finish`, which returns the shape.
public final class IDXStreamValidator {
  /// What the stream must contain.
  public enum Expectation: Sendable {
    /// UInt8, N x 28 x 28 (every built-in data set's images).
    case digitImages
    /// UInt8, N, each in 0...9 (every built-in data set has ten classes).
    case digitLabels
  }

  private let source: String
  private let expectation: Expectation
  private var header: [UInt8] = []
  private var shape: [Int]?
  private var payloadExpected = 0
  private var payloadSeen = 0

  /// - Parameter source: the name used in errors (the compressed file, say).
  public init(source: String, expecting expectation: Expectation) {
    self.source = source
    self.expectation = expectation
  }

  /// Checks the next chunk of the stream.
  public func consume(_ bytes: UnsafeRawBufferPointer) throws {
    var rest = bytes[...]
    if shape == nil {
      rest = try takeHeader(rest)
      guard shape != nil else { return }
    }
    let payload = UnsafeRawBufferPointer(rebasing: rest)
    if payloadSeen + payload.count > payloadExpected {
      throw DataFileError.idxSizeMismatch(
        path: source, shape: shape ?? [], expectedBytes: Int64(header.count + payloadExpected),
        foundBytes: Int64(header.count + payloadSeen + payload.count))
    }
    if case .digitLabels = expectation {
      try DigitSet.checkLabels(payload.bindMemory(to: UInt8.self), firstIndex: payloadSeen, path: source, classes: 10)
    }
    payloadSeen += payload.count
  }

  /// Checks that the stream held the whole payload; returns the shape.
  public func finish() throws -> [Int] {
    guard let shape else {
      if header.count < 4 { throw DataFileError.idxTooShort(path: source, size: Int64(header.count)) }
      throw DataFileError.idxSizeMismatch(
        path: source, shape: [], expectedBytes: Int64(4 + 4 * Int(header[3])), foundBytes: Int64(header.count))
    }
    guard payloadSeen == payloadExpected else {
      throw DataFileError.idxSizeMismatch(
        path: source, shape: shape, expectedBytes: Int64(header.count + payloadExpected),
        foundBytes: Int64(header.count + payloadSeen))
    }
    return shape
  }

  /// Accumulates header bytes; once complete, validates it and returns what follows.
  private func takeHeader(_ bytes: Slice<UnsafeRawBufferPointer>) throws -> Slice<UnsafeRawBufferPointer> {
    var rest = bytes
    if header.count < 4 {
      let n = min(4 - header.count, rest.count)
      header += rest.prefix(n)
      rest = rest.dropFirst(n)
      guard header.count == 4 else { return rest }
      try IDX.checkFixedPart(header, path: source)
      guard header[2] == UInt8.idxTypeCode else {
        throw DataFileError.idxWrongType(path: source, expected: UInt8.idxTypeCode, found: header[2])
      }
    }
    let headerSize = 4 + 4 * Int(header[3])
    let n = min(headerSize - header.count, rest.count)
    header += rest.prefix(n)
    rest = rest.dropFirst(n)
    guard header.count == headerSize else { return rest }
    let parsed = try IDX.checkedShape(typeCode: header[2], dimensionBytes: Array(header[4...]), path: source)
    switch expectation {
    case .digitImages: try DigitSet.checkImageShape(parsed, path: source)
    case .digitLabels: try DigitSet.checkLabelShape(parsed, path: source)
    }
    shape = parsed
    payloadExpected = parsed.reduce(1, *)  // UInt8: one byte per element
    return rest
  }
}
