/// The message bookkeeping that MD5 and SHA-256 share: bytes reach the
/// compression function in whole 64-byte blocks, a partial block waits in
/// `pending`, and the message ends with 0x80, zeros, and its length in bits
/// as a 64-bit number (little-endian for MD5, big-endian for SHA-256).
struct BlockBuffer: Sendable {
  private var pending: [UInt8] = []  // < 64 bytes not yet compressed
  private var length: UInt64 = 0  // bytes seen so far

  init() { pending.reserveCapacity(64) }

  /// Adds `bytes`, calling `compress` on every whole block now available.
  mutating func append(_ bytes: UnsafeRawBufferPointer, compress: (UnsafeRawBufferPointer) -> Void) {
    length &+= UInt64(bytes.count)
    var rest = bytes[...]
    if !pending.isEmpty {
      let n = min(64 - pending.count, rest.count)
      pending += rest.prefix(n)
      rest = rest.dropFirst(n)
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress($0) }
      pending.removeAll(keepingCapacity: true)
    }
    let whole = rest.count / 64 * 64
    if whole > 0 { compress(UnsafeRawBufferPointer(rebasing: rest.prefix(whole))) }
    pending += rest.dropFirst(whole)
  }

  /// Pads the message and compresses its last one or two blocks.
  mutating func finish(lengthBigEndian: Bool, compress: (UnsafeRawBufferPointer) -> Void) {
    let bits = length &* 8
    var tail = pending + [0x80]
    while tail.count % 64 != 56 { tail.append(0) }
    let shifts = lengthBigEndian ? Array(stride(from: 56, through: 0, by: -8)) : Array(stride(from: 0, through: 56, by: 8))
    for shift in shifts { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    tail.withUnsafeBytes { compress($0) }
    pending.removeAll()
  }
}
