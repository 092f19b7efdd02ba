import Compute

// Helpers shared by the element-wise kernels: eight-Float vectors and
// partial loads/stores for the tail of a row whose length is not a multiple of 8.

typealias Vector = SIMD8<Float>

/// Lane numbers 0...7, to mask the unused lanes of a tail.
let laneIndex = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

/// Loads `width` (1...8) Floats; lanes past `width` are 0.
@inline(__always)
func load(_ p: UnsafePointer<Float>, _ width: Int = 8) -> Vector {
  if width == 8 { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
  var v = Vector()
  for j in 0..<width { v[j] = p[j] }
  return v
}

/// Stores the first `width` (1...8) lanes of `v`.
@inline(__always)
func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ width: Int = 8) {
  if width == 8 {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    return
  }
  for j in 0..<width { p[j] = v[j] }
}

/// Calls `body(offset, width)` over `0..<count` in steps of 8. `width` is 8 except in
/// a last, partial step; the body is inlined twice so that the full steps see the
/// constant 8 and compile without the partial-load branches.
@inline(__always)
func strideVectors(_ count: Int, _ body: (_ offset: Int, _ width: Int) -> Void) {
  var i = 0
  while i + 8 <= count {
    body(i, 8)
    i += 8
  }
  if i < count { body(i, count - i) }
}

/// The sum of the lanes, in lane order, as a Double.
@inline(__always)
func laneSum(_ v: Vector) -> Double {
  var sum = 0.0
  for j in 0..<8 { sum += Double(v[j]) }
  return sum
}

extension SIMDMask where Storage == SIMD8<Int32> {
  /// Lane-wise `self ? a : b`.
  @inline(__always)
  func select(_ a: Vector, _ b: Vector) -> Vector { b.replacing(with: a, where: self) }
}

extension SIMD8 where Scalar == Float {
  /// Replaces the lanes selected by `mask` with `value`.
  @inline(__always)
  mutating func replace(with value: Float, where mask: SIMDMask<SIMD8<Int32>>) {
    self = replacing(with: value, where: mask)
  }
}
