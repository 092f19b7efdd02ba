/// Faults in a corruption's description, in the images it is given, or in a spec.json.
public enum CorruptionError: Error, Equatable, CustomStringConvertible {
  case levelOutOfRange(kind: String, what: String, value: String, allowed: String)
  case emptyMixture
  case nestedMixture
  case notSquareImages(shape: [Int])
  /// A spec.json that is not a JSON object, or whose fields are missing or malformed.
  case badSpec(path: String, reason: String)
  /// A spec.json without "format": written by an older vae-corrupt, which stored the corruption as prose.
  case outdatedSpec(path: String)
  /// A spec.json of another format than `CorruptionSpec.format`.
  case unknownSpecFormat(path: String, found: String)

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
    case let .badSpec(path, reason):
      "\(path): not a usable vae-corrupt spec.json: \(reason)"
    case let .outdatedSpec(path):
      "\(path): written by an older vae-corrupt (no \"format\"); rerun vae-corrupt to rewrite it"
    case let .unknownSpecFormat(path, found):
      "\(path): spec format \"\(found)\", expected \"\(CorruptionSpec.format)\"; rerun vae-corrupt to rewrite it"
    }
  }
}
