#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating output folders with one-line errors.
public enum Folders {
  /// Creates `path` and any missing parents (like `mkdir -p`).
  ///
  /// Throws `DataFileError.cannotCreateFolder` naming the first path that could
  /// not be made, e.g. when a parent is a regular file or is read-only.
  public static func create(_ path: String) throws(DataFileError) {
    var built = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") where !component.isEmpty {
      built += "/" + component
      var info = stat()
      if stat(built, &info) == 0 {
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
          throw DataFileError.cannotCreateFolder(path: path, reason: "\(display(built)) is not a folder")
        }
        continue
      }
      if mkdir(built, 0o755) != 0 && errno != EEXIST {
        throw DataFileError.cannotCreateFolder(path: path, reason: String(cString: strerror(errno)))
      }
    }
  }

  private static func display(_ built: String) -> String {
    built.hasPrefix("./") ? String(built.dropFirst(2)) : built
  }
}
