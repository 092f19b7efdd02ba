import Testing
import DataFiles

@Suite struct FilePathsTests {
  /// The cases NSString.deletingLastPathComponent handles, and the one-character paths
  /// it traps on in this toolchain's Foundation (vae-eval --out , crashed).
  @Test(arguments: [
    ("a/b", "a"), ("a/b/", "a"), ("/a", "/"), ("/", "/"), ("", ""), ("a", ""), (",", ""), (".", ""), ("m.json", ""),
    ("x/y/z.json", "x/y"), ("./a", "."), ("../a", ".."), ("a//b", "a"), ("//a", "/"), ("/a/b", "/a"),
  ])
  func parentMatchesNSStringWithoutTrapping(_ path: String, _ expected: String) {
    #expect(FilePaths.parent(of: path) == expected, "\(path)")
  }
}
