import Foundation

/// One place a data set's files can come from: an http(s) folder URL or a
/// local folder (given as a path or a `file://` URL).
public enum Mirror: Sendable, Equatable {
  /// Base URL ending in `/`; a file's URL is base + name.
  case http(base: String)
  /// A local folder holding the files under their mirror names.
  case folder(path: String)

  /// Parses what the user typed: `http://`/`https://` URLs, `file://` URLs, or a path.
  public init(_ text: String) {
    let lower = text.lowercased()
    if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
      self = .http(base: text.hasSuffix("/") ? text : text + "/")
    } else if lower.hasPrefix("file://") {
      // URLSession cannot read file:// URLs on Linux, so they become folders.
      self = .folder(path: URL(string: text)?.path ?? String(text.dropFirst("file://".count)))
    } else {
      self = .folder(path: text)
    }
  }

  /// How the mirror is named in messages.
  public var display: String {
    switch self {
    case let .http(base): return base
    case let .folder(path): return path
    }
  }

  /// Where `name` lives on this mirror.
  public func location(of name: String) -> String {
    switch self {
    case let .http(base): return base + name
    case let .folder(path): return path.hasSuffix("/") ? path + name : path + "/" + name
    }
  }
}
