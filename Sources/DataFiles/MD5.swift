#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MD5 (RFC 1321), streaming: `update` with chunks, then `finalize`.
///
/// Only for checking the MD5 sums Fashion-MNIST and KMNIST publish; MD5 is
/// not collision resistant, so SHA-256 is preferred wherever a sum exists.
public struct MD5: Sendable {
  /// The digest length in bytes.
  public static let digestSize = 16

  // RFC 1321 defines K[i] as floor(|sin(i + 1)| * 2^32); computing it keeps
  // 64 hand-typed constants out of the source (the known vectors check it).
  private static let k: [UInt32] = (0..<64).map { UInt32(fabs(sin(Double($0 + 1))) * 4_294_967_296.0) }
  private static let shifts: [UInt32] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
  ]

  private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
  private var buffer = BlockBuffer()

  public init() {}

  /// Hashes `bytes` in one call.
  public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
    var hasher = MD5()
    Array(bytes).withUnsafeBytes { hasher.update($0) }
    return hasher.finalize()
  }

  /// Adds the next chunk of the message.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    // The buffer is taken out while it calls back into `compress`, which mutates `self`.
    var blocks = buffer
    blocks.append(bytes) { compress(blocks: $0) }
    buffer = blocks
  }

  /// Pads, finishes and returns the 16-byte digest.
  public mutating func finalize() -> [UInt8] {
    var blocks = buffer
    blocks.finish(lengthBigEndian: false) { compress(blocks: $0) }
    buffer = blocks
    var digest: [UInt8] = []
    for word in [state.0, state.1, state.2, state.3] {
      digest += [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16 & 0xFF), UInt8(word >> 24)]
    }
    return digest
  }

  private mutating func compress(blocks: UnsafeRawBufferPointer) {
    precondition(blocks.count % 64 == 0)
    Self.k.withUnsafeBufferPointer { k in
      Self.shifts.withUnsafeBufferPointer { s in
        var (a0, b0, c0, d0) = state
        for offset in stride(from: 0, to: blocks.count, by: 64) {
          // M[g]: the 16 little-endian words of this block.
          @inline(__always) func m(_ g: Int) -> UInt32 {
            UInt32(littleEndian: blocks.loadUnaligned(fromByteOffset: offset + 4 * g, as: UInt32.self))
          }
          var (a, b, c, d) = (a0, b0, c0, d0)
          for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) & 15
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) & 15
            default: f = c ^ (b | ~d); g = (7 * i) & 15
            }
            f = f &+ a &+ k[i] &+ m(g)
            a = d
            d = c
            c = b
            b = b &+ ((f << s[i]) | (f >> (32 - s[i])))
          }
          a0 &+= a; b0 &+= b; c0 &+= c; d0 &+= d
        }
        state = (a0, b0, c0, d0)
      }
    }
  }
}
