/// A dense row-major array as stored in an IDX file: a shape and its scalars.
///
/// `scalars.count` is always the product of `shape` (1 for rank 0).
public struct IDXArray<Scalar: IDXScalar>: Sendable, Equatable {
  /// Dimensions, outermost first, e.g. `[60000, 28, 28]`.
  public var shape: [Int]
  /// The elements in row-major order, in host byte order.
  public var scalars: [Scalar]

  /// Wraps `scalars` with `shape`; the two must agree (a programmer error otherwise).
  public init(shape: [Int], scalars: [Scalar]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not match \(scalars.count) scalars")
    self.shape = shape
    self.scalars = scalars
  }

  /// The size of the first dimension (the number of items), or 1 for rank 0.
  public var itemCount: Int { shape.first ?? 1 }

  /// Elements per item: the product of every dimension after the first.
  public var itemSize: Int { shape.dropFirst().reduce(1, *) }
}
