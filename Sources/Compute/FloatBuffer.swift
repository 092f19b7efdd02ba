/// A fixed-size, 64-byte-aligned, zero-initialised block of Floats that owns its memory.
///
/// The hot paths of the models work on `pointer` directly; a buffer is
/// allocated once and reused, never resized. Not thread-safe by itself: callers
/// that share one across threads write disjoint parts (see ``Parallel``).
public final class FloatBuffer {
  /// The number of Floats.
  public let count: Int
  /// The first Float; valid for the buffer's lifetime.
  public let pointer: UnsafeMutablePointer<Float>

  /// A buffer of `count` zeros.
  public init(count: Int) {
    precondition(count >= 0, "negative buffer size")
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  deinit { UnsafeMutableRawPointer(pointer).deallocate() }

  /// The whole buffer as a buffer pointer.
  public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

  /// A copy of the contents.
  public var array: [Float] { Array(buffer) }

  /// Copies `values` in; `values.count` must equal ``count``.
  public func assign(_ values: [Float]) {
    precondition(values.count == count, "expected \(count) values, got \(values.count)")
    values.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { pointer.update(from: base, count: count) }
    }
  }

  /// Sets every element to `value`.
  public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}
