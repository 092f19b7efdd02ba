import Corruptions
import Foundation
import Testing
import TestSupport

@Suite struct CorruptionSpecTests {
  /// One of every kind, with parameters away from the defaults, and the default mixture.
  static let everyKind: [CorruptionKind] = [
    .gaussian(sigma: 0.3), .saltPepper(fraction: 0.15), .zero(fraction: 0.7), .square(size: 12, centred: true),
    .square(size: 5, centred: false), .rectangles(count: 2, sizes: 3...7), .half(.top), .band(.left, fraction: 0.45),
    .mixed(CorruptionKind.defaultMixture),
  ]

  @Test(arguments: everyKind) func everyKindRoundTripsThroughSpecJSON(_ kind: CorruptionKind) throws {
    let folder = try TemporaryFolder("spec")
    defer { folder.remove() }
    let path = folder.file("spec.json")
    let spec = CorruptionSpec(corruption: kind, seed: 1 << 63 + 5, source: "data/test-images.idx", count: 40, hiddenFraction: 0.125)
    try spec.write(to: path)
    let read = try CorruptionSpec.read(from: path)
    #expect(read == spec, "wrote \(spec), read \(read)")
    // The words are written for people; they are what CorruptionKind.summary says.
    let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    #expect(object["description"] as? String == kind.summary && object["format"] as? String == "digitvae.corruption/1", "\(object)")
  }

  /// The bytes of one spec, fixed: the layout docs/FORMATS.md describes.
  @Test func theFileLooksAsDocumented() throws {
    let spec = CorruptionSpec(corruption: .square(size: 10, centred: false), seed: 1, source: "a/b.idx", count: 3, hiddenFraction: 0.5)
    let text = String(decoding: try spec.encoded(), as: UTF8.self)
    let expected = """
      {
        "corruption" : {
          "kind" : "square",
          "placement" : "random",
          "size" : 10
        },
        "count" : 3,
        "description" : "10x10 square, random place",
        "format" : "digitvae.corruption/1",
        "hidden_fraction" : 0.5,
        "seed" : 1,
        "source" : "a/b.idx"
      }

      """
    #expect(text == expected, "seen:\n\(text)")
  }

  @Test func anOldSpecIsRefusedWithAHintToRerunVaeCorrupt() throws {
    let folder = try TemporaryFolder("oldspec")
    defer { folder.remove() }
    let path = folder.file("spec.json")
    // What vae-corrupt wrote before the format: the corruption only in words.
    try Files.write(Array(#"{"count":40,"description":"10x10 square, centred","kind":"square","seed":1}"#.utf8), to: path)
    #expect(throws: CorruptionError.outdatedSpec(path: path)) { try CorruptionSpec.read(from: path) }
    let message = CorruptionError.outdatedSpec(path: path).description
    #expect(message.hasPrefix(path + ": ") && message.contains("rerun vae-corrupt") && !message.contains("\n"), "\(message)")
  }

  @Test(arguments: [
    (#"not json"#, "not a JSON object"),
    (#"[1, 2]"#, "not a JSON object"),
    (#"{"format": "digitvae.corruption/2"}"#, "spec format \"digitvae.corruption/2\""),
    (#"{"format": "digitvae.corruption/1", "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "no \"corruption\""),
    (#"{"format": "digitvae.corruption/1", "corruption": {"kind": "blur"}, "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "unknown corruption kind \"blur\""),
    (#"{"format": "digitvae.corruption/1", "corruption": {"kind": "gaussian"}, "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "no \"corruption.sigma\""),
    (#"{"format": "digitvae.corruption/1", "corruption": {"kind": "rectangles", "count": 2, "sizes": [9, 3]}, "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "[smallest, largest]"),
    (#"{"format": "digitvae.corruption/1", "corruption": {"kind": "mixed", "kinds": [{"kind": "mixed", "kinds": []}]}, "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "none of them a mixture"),
    (#"{"format": "digitvae.corruption/1", "corruption": {"kind": "square", "size": 4, "placement": "left"}, "seed": 1, "source": "s", "count": 1, "hidden_fraction": 0, "description": ""}"#, "corruption.placement"),
  ])
  func badSpecsAreOneLineNamingTheFile(text: String, fragment: String) throws {
    let folder = try TemporaryFolder("badspec")
    defer { folder.remove() }
    let path = folder.file("spec.json")
    try Files.write(Array(text.utf8), to: path)
    do {
      _ = try CorruptionSpec.read(from: path)
      Issue.record("\(text) was accepted")
    } catch {
      #expect(error.description.hasPrefix(path + ": ") && error.description.contains(fragment), "\(error.description) should say \(fragment)")
      #expect(!error.description.contains("\n"), "\(error.description)")
    }
  }

  @Test func aMissingSpecNamesTheFile() {
    #expect(throws: CorruptionError.badSpec(path: "/nonexistent/spec.json", reason: "no such file")) {
      try CorruptionSpec.read(from: "/nonexistent/spec.json")
    }
  }

  @Test func theSpecLivesBesideTheImages() {
    #expect(CorruptionSpec.path(besideImages: "artifacts/corrupt/x/images.idx") == "artifacts/corrupt/x/spec.json")
    #expect(CorruptionSpec.path(besideImages: "images.idx") == "spec.json")
  }
}
