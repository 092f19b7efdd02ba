/// Everything that can go wrong in the Models module.
public enum ModelError: Error, Equatable, CustomStringConvertible {
  /// A configuration field holds a value outside its domain.
  case invalidConfiguration(field: String, value: String, expected: String)
  /// A buffer or array has the wrong number of elements.
  case sizeMismatch(what: String, expected: Int, found: Int)
  /// A saved training state does not fit this trainer (e.g. a step past the epoch's end).
  case invalidTrainingState(field: String, value: String, expected: String)
  /// A tensor the model needs was not given (e.g. absent from a checkpoint).
  case missingTensor(name: String)
  /// BLAS could not be loaded; the message says how to install it.
  case blasUnavailable(String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let field, let value, let expected):
      return "configuration field \(field) is \(value): expected \(expected)"
    case .sizeMismatch(let what, let expected, let found):
      return "\(what): expected \(expected) elements, found \(found)"
    case .invalidTrainingState(let field, let value, let expected):
      return "training state field \(field) is \(value): expected \(expected); was the state saved with another configuration or data set?"
    case .missingTensor(let name):
      return "tensor \(name) is missing: expected every tensor of the model's layout; was it saved from a model with another configuration?"
    case .blasUnavailable(let message):
      return message
    }
  }
}
