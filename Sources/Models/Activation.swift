/// The nonlinearity after each hidden layer.
public enum Activation: String, Codable, Sendable, CaseIterable {
  /// max(x, 0)
  case relu
  /// x for x > 0, 0.01 x otherwise
  case leakyRelu
  /// x for x > 0, e^x - 1 otherwise (alpha = 1)
  case elu
  /// tanh x
  case tanh
}
