#if arch(x86_64)
  import _Builtin_intrinsics.intel
#endif
import CKernels

/// Vectorised `exp`, `log1p`, `sigmoid` and `tanh` for eight Floats at a time.
///
/// Calling libm per element costs more than everything else in a VAE's
/// element-wise work, so these are polynomial kernels on `SIMD8<Float>` that
/// compile to plain SSE2 (no FMA, no target-CPU flags needed).
///
/// Accuracy (measured against Double libm by the tests): `exp` and `log1p`
/// within 1 and 3 ulp over their whole ranges (measured worst 0.95 and 2.1); `sigmoid` and `tanh` within about
/// 2e-7 absolute. Special values: `exp` gives +inf above 88.72, 0 below
/// -103.98, results below 1.2e-38 are subnormal; `log1p` gives -inf at -1,
/// NaN below -1, +inf at +inf. NaN inputs give NaN.
public enum VectorMath {
  public typealias Vector = SIMD8<Float>

  /// e^x, within 2 ulp.
  ///
  /// x = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), e^r by the
  /// Cephes degree-7 polynomial, and 2^n applied as 2^(n/2) * 2^(n - n/2) so
  /// that n = 128 and subnormal results need no special case.
  @inlinable @inline(__always)
  public static func exp(_ x: Vector) -> Vector {
    // Clamp with compares and selects (pointwiseMin/Max are not inlined); NaN passes through.
    var clamped = x.replacing(with: -104, where: x .< -104)
    clamped = clamped.replacing(with: 89, where: clamped .> 89)
    // Round x / ln2 to the nearest integer n by adding and removing 1.5 * 2^23;
    // n is then also the low bits of t's bit pattern (no float-to-int conversion).
    let magic = Vector(repeating: 12_582_912)
    let t = clamped * Vector(repeating: 1.442_695_040_888_963_4) + magic
    let n = t - magic
    let r1: Vector = clamped - n * Vector(repeating: 0.693_359_375)
    let r: Vector = r1 + n * Vector(repeating: 2.121_944_400_546_905_827_679e-4)
    let r2: Vector = r * r
    var p = Vector(repeating: 1.987_569_150_0e-4)
    p = p * r + Vector(repeating: 1.398_199_950_7e-3)
    p = p * r + Vector(repeating: 8.333_451_907_3e-3)
    p = p * r + Vector(repeating: 4.166_579_589_4e-2)
    p = p * r + Vector(repeating: 1.666_666_545_9e-1)
    p = p * r + Vector(repeating: 5.000_000_120_1e-1)
    p = p * r2 + r + Vector(repeating: 1)
    let k = bits(t) &- 0x4B40_0000
    let k1 = k &>> 1
    let k2 = k &- k1
    let scale1 = float(bits: (k1 &+ 127) &<< 23)
    let scale2 = float(bits: (k2 &+ 127) &<< 23)
    var result = p * scale1 * scale2
    result.replace(with: Float.infinity, where: x .> 88.722_839)
    result.replace(with: 0, where: x .< -103.972_08)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// log(1 + x), within 3 ulp, accurate for tiny x.
  ///
  /// The fdlibm/musl scheme: u = 1 + x = 2^k m with m in [sqrt(1/2), sqrt(2)),
  /// f = m - 1, s = f / (2 + f), log m from a degree-8 polynomial in s, plus a
  /// correction (x - (u - 1)) / u for the rounding of 1 + x.
  @inlinable @inline(__always)
  public static func log1p(_ x: Vector) -> Vector {
    let one = Vector(repeating: 1)
    let u = x + one
    let (m, dk) = logReduction(u)
    // The rounding error of u = 1 + x, relative to u. (A Float compare: integer
    // vector compares against a scalar are compiled lane by lane.)
    let positive = dk .> 0
    let cAbove: Vector = one - (u - x)
    let cBelow: Vector = x - (u - one)
    let c: Vector = positive.select(cAbove, cBelow) / u
    let f: Vector = m - one
    var result = logPolynomial(f: f, s: f / (f + Vector(repeating: 2)), correction: c, k: dk)
    result.replace(with: Float.infinity, where: x .== Float.infinity)
    result.replace(with: -Float.infinity, where: x .== -1)
    result.replace(with: Float.nan, where: x .< -1)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// log(1 + x) for x in [0, 1] only, given `r = 1 / (1 + x)`: ``log1p(_:)`` without
  /// its special cases and with one division fewer, for callers that need r anyway
  /// (the Bernoulli loss: sigmoid and softplus from the same e^-|x|). Same accuracy
  /// on [0, 1]; other inputs give unspecified results.
  @inlinable @inline(__always)
  public static func log1pUnitInterval(_ x: Vector, reciprocal r: Vector) -> Vector {
    let one = Vector(repeating: 1)
    let u = x + one
    let (m, dk) = logReduction(u)
    // u in [1, 2]: k is 0 or 1.
    let c: Vector = (dk .> 0).select(one - (u - x), x - (u - one)) * r
    let f: Vector = m - one
    return logPolynomial(f: f, s: f * reciprocal(f + Vector(repeating: 2)), correction: c, k: dk)
  }

  /// u = 2^k m with m in [sqrt(1/2), sqrt(2)): m, and k as a Float.
  @inlinable @inline(__always)
  static func logReduction(_ u: Vector) -> (m: Vector, k: Vector) {
    // Shift the exponent so that m lands in [sqrt(1/2), sqrt(2)).
    var bits = bits(u) &+ (0x3F80_0000 - 0x3F35_04F3)
    let k = (bits &>> 23) &- 127
    bits = (bits & 0x007F_FFFF) &+ 0x3F35_04F3
    // Float(k) without an int-to-float conversion: k in the low bits of 1.5 * 2^23.
    let magic = Vector(repeating: 12_582_912)
    return (float(bits: bits), float(bits: k &+ 0x4B40_0000) - magic)
  }

  /// log(2^k m) = k log 2 + log m from f = m - 1, s = f / (2 + f) and the rounding
  /// correction of u: the degree-8 polynomial in s, with log 2 split in two parts.
  @inlinable @inline(__always)
  static func logPolynomial(f: Vector, s: Vector, correction c: Vector, k dk: Vector) -> Vector {
    let z: Vector = s * s
    let w: Vector = z * z
    let t1: Vector = w * (Vector(repeating: 0.400_009_721_52) + w * Vector(repeating: 0.242_790_788_41))
    let t2: Vector = z * (Vector(repeating: 0.666_666_626_93) + w * Vector(repeating: 0.284_987_866_88))
    let hfsq: Vector = Vector(repeating: 0.5) * f * f
    let lo: Vector = dk * Vector(repeating: 9.058_000_614_5e-6) + c
    let sum: Vector = s * (hfsq + t2 + t1) + lo
    return (sum - hfsq) + f + dk * Vector(repeating: 6.931_381_225_6e-1)
  }

  /// The bits of each lane.
  @inlinable @inline(__always)
  static func bits(_ v: Vector) -> SIMD8<Int32> { unsafeBitCast(v, to: SIMD8<Int32>.self) }

  /// Lanes with the given bits.
  @inlinable @inline(__always)
  static func float(bits: SIMD8<Int32>) -> Vector { unsafeBitCast(bits, to: Vector.self) }

  /// |x|, by clearing the sign bits.
  @inlinable @inline(__always)
  public static func abs(_ x: Vector) -> Vector { float(bits: bits(x) & 0x7FFF_FFFF) }

  /// `x` with its subnormal lanes replaced by zero of the same sign, by integer
  /// operations on the bits (no floating-point operation touches the subnormals).
  @inlinable @inline(__always)
  public static func flushSubnormals(_ x: Vector) -> Vector {
    let b = bits(x)
    let tiny = (b & 0x7FFF_FFFF) .< 0x0080_0000
    return float(bits: b & SIMD8(repeating: -1).replacing(with: Int32.min, where: tiny))
  }

  /// The square root of each lane (SSE `sqrtps`).
  ///
  /// `SIMD8<Float>.squareRoot()` is compiled lane by lane with calls to `sqrtf`
  /// for negative lanes (errno semantics), several times slower.
  @inlinable @inline(__always)
  public static func sqrt(_ x: Vector) -> Vector {
    #if arch(x86_64)
      let low = SIMD4<Float>(_mm_sqrt_ps(__m128(x.lowHalf)))
      let high = SIMD4<Float>(_mm_sqrt_ps(__m128(x.highHalf)))
      return Vector(lowHalf: low, highHalf: high)
    #else
      return x.squareRoot()
    #endif
  }

  /// 1 / x for positive normal x, within about 2 ulp: SSE's 12-bit estimate refined
  /// by one Newton step. Faster than a division; the estimate is CPU-specific, so
  /// results may differ in the last bits between CPU vendors.
  @inlinable @inline(__always)
  public static func reciprocal(_ x: Vector) -> Vector {
    #if arch(x86_64)
      let y = Vector(
        lowHalf: SIMD4<Float>(_mm_rcp_ps(__m128(x.lowHalf))), highHalf: SIMD4<Float>(_mm_rcp_ps(__m128(x.highHalf))))
      // Newton for f(y) = 1/y - x: y' = y (2 - x y).
      return y * (Vector(repeating: 2) - x * y)
    #else
      return 1 / x
    #endif
  }

  /// 1 / (1 + e^-x), from e = e^-|x| so that it never overflows.
  @inlinable @inline(__always)
  public static func sigmoid(_ x: Vector) -> Vector {
    let one = Vector(repeating: 1)
    let e = exp(-abs(x))
    let numerator = (x .>= 0).select(one, e)
    return numerator / (one + e)
  }

  /// tanh x = sign(x) (1 - e) / (1 + e) with e = e^-2|x|.
  @inlinable @inline(__always)
  public static func tanh(_ x: Vector) -> Vector {
    let one = Vector(repeating: 1)
    let e = exp(Vector(repeating: -2) * abs(x))
    let magnitude = (one - e) / (one + e)
    return (x .< 0).select(-magnitude, magnitude)
  }

  /// `output[i] = Float(source[i]) / 255`, exactly the quotient (so the values equal
  /// PyTorch's `ToTensor`; a bare multiply by 1/255 would differ for 126 of the 256 bytes):
  /// CKernels' AVX-512 or AVX2 loop where the CPU has one (a product and one fused
  /// correction), else 16 bytes at a time with SSE2 (``normalizeBytesSSE2(_:into:count:)``).
  public static func normalizeBytes(_ source: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>, count: Int) {
    if dv_isa() > 0 {
      dv_bytes_to_unit(Int64(count), source, output)
    } else {
      normalizeBytesSSE2(source, into: output, count: count)
    }
  }

  /// ``normalizeBytes(_:into:count:)`` with SSE2 only.
  static func normalizeBytesSSE2(_ source: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>, count: Int) {
    var j = 0
    #if arch(x86_64)
      let zero = _mm_setzero_si128()
      let divisor = _mm_set1_ps(255)
      @inline(__always)
      func store(_ words: __m128i, _ at: Int) {
        let floats = _mm_div_ps(_mm_cvtepi32_ps(words), divisor)
        UnsafeMutableRawPointer(output + at).storeBytes(of: floats, as: __m128.self)
      }
      while j + 16 <= count {
        let bytes = UnsafeRawPointer(source + j).loadUnaligned(as: __m128i.self)
        // Zero-extend 16 bytes to 16 words in four steps, then convert and divide.
        let low = _mm_unpacklo_epi8(bytes, zero)
        let high = _mm_unpackhi_epi8(bytes, zero)
        store(_mm_unpacklo_epi16(low, zero), j)
        store(_mm_unpackhi_epi16(low, zero), j + 4)
        store(_mm_unpacklo_epi16(high, zero), j + 8)
        store(_mm_unpackhi_epi16(high, zero), j + 12)
        j += 16
      }
    #endif
    while j < count {
      output[j] = Float(source[j]) / 255
      j += 1
    }
  }

  /// Applies `kernel` to `count` Floats from `input` into `output` (which may equal `input`).
  /// A tail shorter than 8 is padded with zeros and only its `count % 8` results stored.
  @inlinable @inline(__always)
  public static func map(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
    _ kernel: (Vector) -> Vector
  ) {
    var i = 0
    while i + 8 <= count {
      let v = UnsafeRawPointer(input + i).loadUnaligned(as: Vector.self)
      UnsafeMutableRawPointer(output + i).storeBytes(of: kernel(v), as: Vector.self)
      i += 8
    }
    if i < count {
      var v = Vector()
      for j in 0..<(count - i) { v[j] = input[i + j] }
      let r = kernel(v)
      for j in 0..<(count - i) { output[i + j] = r[j] }
    }
  }

  /// e^x over a buffer (output may equal input).
  public static func exp(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
    map(input, output, count: count) { exp($0) }
  }

  /// log(1 + x) over a buffer (output may equal input).
  public static func log1p(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
    map(input, output, count: count) { log1p($0) }
  }

  /// The logistic sigmoid over a buffer (output may equal input).
  public static func sigmoid(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
    map(input, output, count: count) { sigmoid($0) }
  }

  /// tanh over a buffer (output may equal input).
  public static func tanh(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
    map(input, output, count: count) { tanh($0) }
  }
}

extension SIMD8 where Scalar == Float {
  /// Replaces the lanes selected by `mask` with `value`.
  @inlinable @inline(__always)
  mutating func replace(with value: Float, where mask: SIMDMask<SIMD8<Int32>>) {
    self = replacing(with: value, where: mask)
  }

  /// Replaces the lanes selected by `mask` with those of `other`.
  @inlinable @inline(__always)
  mutating func replace(with other: Self, where mask: SIMDMask<SIMD8<Int32>>) {
    self = replacing(with: other, where: mask)
  }
}

extension SIMDMask where Storage == SIMD8<Int32> {
  /// Lane-wise `self ? a : b`.
  @inlinable @inline(__always)
  func select(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    b.replacing(with: a, where: self)
  }
}
