import Compute

extension Activation {
  /// The slope of ``leakyRelu`` for negative inputs.
  public static let leakySlope: Float = 0.01

  /// f(x) for eight pre-activations.
  @inline(__always)
  func apply(_ x: Vector) -> Vector {
    switch self {
    case .relu: return x.replacing(with: 0, where: x .< 0)
    case .leakyRelu: return (x .< 0).select(x * Self.leakySlope, x)
    case .elu: return (x .< 0).select(VectorMath.exp(x) - 1, x)
    case .tanh: return VectorMath.tanh(x)
    }
  }

  /// f'(x) for eight units, from their outputs y = f(x) (every f here is monotone,
  /// so y determines f'(x); at x = 0 the left derivative is used).
  @inline(__always)
  func derivative(fromOutput y: Vector) -> Vector {
    switch self {
    case .relu: return (y .> 0).select(Vector(repeating: 1), Vector(repeating: 0))
    case .leakyRelu: return (y .> 0).select(Vector(repeating: 1), Vector(repeating: Self.leakySlope))
    case .elu: return (y .> 0).select(Vector(repeating: 1), y + 1)
    case .tanh: return 1 - y * y
    }
  }

  /// In place: `values[i] = f(values[i])` for `count` Floats.
  public func forward(_ values: UnsafeMutablePointer<Float>, count: Int) {
    VectorMath.map(values, values, count: count) { apply($0) }
  }

  /// In place: `grad[i] *= f'(x[i])`, where `output[i] = f(x[i])` was the forward result.
  public func backward(grad: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
    strideVectors(count) { i, width in
      store(load(grad + i, width) * derivative(fromOutput: load(output + i, width)), grad + i, width)
    }
  }
}

extension Optional where Wrapped == Activation {
  /// Calls `body` once with f = this activation (the identity for nil) as a closure whose case
  /// is fixed, so that a loop inside `body` does not switch on the activation for every vector
  /// (on the conv layers' bias pass: 1.4-2.3% of a one-thread conv step in two runs, within
  /// the noise in two later ones; the bits are the same either way).
  @inline(__always)
  func withKernel(_ body: ((Vector) -> Vector) -> Void) {
    switch self {
    case nil: body { $0 }
    case .relu?: body { Activation.relu.apply($0) }
    case .leakyRelu?: body { Activation.leakyRelu.apply($0) }
    case .elu?: body { Activation.elu.apply($0) }
    case .tanh?: body { Activation.tanh.apply($0) }
    }
  }
}
