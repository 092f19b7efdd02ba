import Foundation

/// A fresh folder under the system temporary directory, removed on `remove()`.
public struct TemporaryFolder: Sendable {
  public let path: String

  public init(_ label: String = "digitvae") throws {
    let base = FileManager.default.temporaryDirectory.path
    path = base + "/\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// `path/name`.
  public func file(_ name: String) -> String { path + "/" + name }

  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
