/// Path arithmetic on plain strings, for paths that come from flags and files.
///
/// `NSString.deletingLastPathComponent` traps ("Illegal instruction") on a one-character
/// path such as "a", "," or "." in the Foundation of this toolchain (found by the
/// malformed-input campaign: `vae-eval --out ,` crashed), so the stages use this instead.
public enum FilePaths {
  /// The folder part of `path`, as `NSString.deletingLastPathComponent` defines it:
  /// "a/b" -> "a", "a/b/" -> "a", "/a" -> "/", "a" -> "", "/" -> "/", "" -> "".
  public static func parent(of path: String) -> String {
    var text = Substring(path)
    // Trailing slashes do not make a component ("a/b/" is "a/b"); "/" stays the root.
    while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
    guard let slash = text.lastIndex(of: "/") else { return "" }
    var folder = text[..<slash]
    while folder.hasSuffix("/") { folder = folder.dropLast() }
    if folder.isEmpty { return text.hasPrefix("/") ? "/" : "" }
    return String(folder)
  }
}
