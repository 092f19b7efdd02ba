/// Faults in a corruption's description or in the images it is given.
public enum CorruptionError: Error, Equatable, CustomStringConvertible {
  case levelOutOfRange(kind: String, what: String, value: String, allowed: String)
  case emptyMixture
  case nestedMixture
  case notSquareImages(shape: [Int])

  public var description: String {
    switch self {
    case let .levelOutOfRange(kind, what, value, allowed):
      "\(kind): \(what) \(value) is out of range (allowed \(allowed))"
    case .emptyMixture:
      "mixed: the mixture names no kinds"
    case .nestedMixture:
      "mixed: a mixture cannot contain another mixture"
    case let .notSquareImages(shape):
      "expected images of shape N x S x S, found \(shape.map(String.init).joined(separator: " x "))"
    }
  }
}
