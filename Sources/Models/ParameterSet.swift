import Compute

/// All parameters of a model in one contiguous Float buffer, with gradients in a
/// parallel buffer of the same layout, and a table naming each tensor.
///
/// Each tensor is a contiguous row-major block at ``Entry/offset`` (in Floats).
/// Offsets are rounded up to multiples of 16 Floats (64 bytes) so that every
/// tensor starts on a cache line; the gaps hold zeros and get zero gradients.
/// Optimiser state (Adam's m and v) uses the same layout, so one loop over
/// ``count`` Floats updates everything.
///
/// Weights are stored `[in, out]` and a layer computes `y = x @ W + b` with x
/// `[batch, in]`: a NumPy user runs a layer as `x @ W + b` on the arrays
/// reshaped to ``Entry/shape``.
public final class ParameterSet {
  /// One named tensor inside the flat buffer.
  public struct Entry: Equatable, Sendable, Codable {
    /// E.g. "encoder.0.weight".
    public let name: String
    /// E.g. [784, 400]; row-major.
    public let shape: [Int]
    /// Position of the first element in the flat buffer, in Floats.
    public let offset: Int
    /// The number of elements (the product of ``shape``).
    public var count: Int { shape.reduce(1, *) }
  }

  /// The tensors, in layout order.
  public let entries: [Entry]
  /// The length of the flat buffers in Floats, padding included.
  public let count: Int
  /// Parameter values.
  public let values: FloatBuffer
  /// Gradients of the loss with respect to ``values`` (written by a backward pass).
  public let grads: FloatBuffer

  /// Lays out tensors of the given names and shapes, in order; values and gradients start at zero.
  public init(_ tensors: [(name: String, shape: [Int])]) {
    var entries: [Entry] = []
    var offset = 0
    for tensor in tensors {
      precondition(!entries.contains { $0.name == tensor.name }, "duplicate tensor name \(tensor.name)")
      let entry = Entry(name: tensor.name, shape: tensor.shape, offset: offset)
      entries.append(entry)
      offset += (entry.count + 15) / 16 * 16
    }
    self.entries = entries
    count = offset
    values = FloatBuffer(count: offset)
    grads = FloatBuffer(count: offset)
  }

  /// The entry called `name`, if any.
  public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

  /// A copy of the tensor called `name`, in row-major order; nil if there is none.
  public func value(_ name: String) -> [Float]? {
    guard let entry = entry(name) else { return nil }
    return Array(UnsafeBufferPointer(start: values.pointer + entry.offset, count: entry.count))
  }

  /// Overwrites the tensor called `name`.
  ///
  /// Throws ``ModelError/sizeMismatch(what:expected:found:)`` when there is no such
  /// tensor (expected 0 elements is reported then) or `newValue` has the wrong size.
  public func setValue(_ name: String, _ newValue: [Float]) throws(ModelError) {
    guard let entry = entry(name) else { throw .sizeMismatch(what: "tensor \(name) (no such tensor)", expected: 0, found: newValue.count) }
    guard newValue.count == entry.count else {
      throw .sizeMismatch(what: "tensor \(name) \(entry.shape)", expected: entry.count, found: newValue.count)
    }
    newValue.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { (values.pointer + entry.offset).update(from: base, count: entry.count) }
    }
  }

  /// The tensors of a flat buffer in this layout (``values``, ``grads`` or an optimiser
  /// moment such as `Adam.m`), in layout order, each as a row-major copy.
  public func tensors(of flat: FloatBuffer) -> [(entry: Entry, values: [Float])] {
    precondition(flat.count == count, "buffer of \(flat.count) Floats, layout of \(count)")
    return entries.map { ($0, Array(UnsafeBufferPointer(start: flat.pointer + $0.offset, count: $0.count))) }
  }

  /// A flat buffer in this layout (padding zero) from tensors by name, e.g. read from a
  /// checkpoint; the inverse of ``tensors(of:)``.
  ///
  /// Throws ``ModelError/missingTensor(name:)`` when an entry has no tensor, and
  /// ``ModelError/sizeMismatch(what:expected:found:)`` when one has the wrong size.
  /// Names that are not entries are ignored.
  public func flatten(_ tensors: [String: [Float]]) throws(ModelError) -> [Float] {
    var flat = [Float](repeating: 0, count: count)
    for entry in entries {
      guard let values = tensors[entry.name] else { throw .missingTensor(name: entry.name) }
      guard values.count == entry.count else {
        throw .sizeMismatch(what: "tensor \(entry.name) \(entry.shape)", expected: entry.count, found: values.count)
      }
      flat.replaceSubrange(entry.offset..<entry.offset + entry.count, with: values)
    }
    return flat
  }
}
