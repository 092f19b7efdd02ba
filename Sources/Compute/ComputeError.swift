/// Everything that can go wrong in the Compute module.
public enum ComputeError: Error, Equatable, CustomStringConvertible {
  /// No OpenBLAS shared library could be opened; `reason` is the loader's message.
  case blasLibraryNotFound(tried: [String], reason: String)
  /// The library opened but lacks a symbol this module needs.
  case blasSymbolNotFound(library: String, symbol: String)
  /// A generator state must be four words, not all zero.
  case invalidGeneratorState(words: [UInt64])

  public var description: String {
    switch self {
    case .blasLibraryNotFound(let tried, let reason):
      return "\(tried.first ?? "libopenblas.so.0") not found: run scripts/setup.sh (apt-get install libopenblas-dev)"
        + " [tried \(tried.joined(separator: ", ")): \(reason)]"
    case .blasSymbolNotFound(let library, let symbol):
      return "\(library) has no symbol \(symbol): expected an OpenBLAS build (Debian libopenblas-dev 0.3.x)"
    case .invalidGeneratorState(let words):
      return "generator state \(words): expected 4 words, not all zero"
    }
  }
}
