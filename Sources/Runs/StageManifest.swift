import DataFiles
import Foundation

/// A stage's record of what it last produced, kept as small JSON beside its
/// outputs: the inputs (path, size, mtime), the options that shape the
/// output, and the outputs (path, size, mtime, digests where known).
///
/// A stage skips its work when the manifest matches the disk and the
/// options; it writes the manifest last (atomically), so a stage that was
/// interrupted has no matching manifest and runs again.
public struct StageManifest: Codable, Equatable, Sendable {
  /// The stage's command name, e.g. "vae-decompress".
  public var stage: String
  /// Bumped when the record's meaning changes; other versions never match.
  public var version: Int
  /// The options that change the output, as text.
  public var options: [String: String]
  public var inputs: [FileStamp]
  public var outputs: [FileStamp]

  /// The format version this code writes.
  public static let currentVersion = 1

  public init(stage: String, options: [String: String], inputs: [FileStamp] = [], outputs: [FileStamp] = []) {
    self.stage = stage
    self.version = Self.currentVersion
    self.options = options
    self.inputs = inputs
    self.outputs = outputs
  }

  /// `<folder>/.<stage>.manifest.json`: hidden, so the folder lists only real outputs.
  public static func path(folder: String, stage: String) -> String {
    "\(folder)/.\(stage).manifest.json"
  }

  /// Loads the manifest at `path`; nil when it is missing, unreadable or from another version
  /// (all of which simply mean "run the stage").
  public static func load(from path: String) -> StageManifest? {
    guard let bytes = try? FileReader.contents(of: path),
      let manifest = try? JSONDecoder().decode(StageManifest.self, from: Data(bytes)),
      manifest.version == currentVersion
    else { return nil }
    return manifest
  }

  /// Writes the manifest atomically.
  public func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    try AtomicFile.write([UInt8](data) + [UInt8(ascii: "\n")], to: path)
  }

  /// True when this manifest is for `stage` with exactly these options, covers
  /// exactly these input and output paths, and every one of them is unchanged on disk.
  public func isUpToDate(stage: String, options: [String: String], inputs: [String], outputs: [String]) -> Bool {
    guard self.stage == stage, self.options == options,
      Set(self.inputs.map(\.path)) == Set(inputs), Set(self.outputs.map(\.path)) == Set(outputs)
    else { return false }
    return self.inputs.allSatisfy(\.matchesDisk) && self.outputs.allSatisfy(\.matchesDisk)
  }

  /// True when the manifest at `path` exists and is up to date with exactly these
  /// options, inputs and outputs (see `isUpToDate(stage:options:inputs:outputs:)`).
  public static func isUpToDate(at path: String, stage: String, options: [String: String], inputs: [String], outputs: [String]) -> Bool {
    load(from: path)?.isUpToDate(stage: stage, options: options, inputs: inputs, outputs: outputs) ?? false
  }

  /// A manifest recording the current stamps of `inputs` and `outputs`; files that
  /// do not exist are left out (so the next up-to-date check fails for them).
  public static func stamping(stage: String, options: [String: String], inputs: [String], outputs: [String]) -> StageManifest {
    var manifest = StageManifest(stage: stage, options: options)
    for path in inputs { if let stamp = FileStamp.current(path) { manifest.record(input: stamp) } }
    for path in outputs { if let stamp = FileStamp.current(path) { manifest.record(output: stamp) } }
    return manifest
  }

  /// The recorded stamp of an input or output path.
  public func stamp(of path: String) -> FileStamp? {
    outputs.first { $0.path == path } ?? inputs.first { $0.path == path }
  }

  /// Adds or replaces the output stamp for `stamp.path`.
  public mutating func record(output stamp: FileStamp) {
    outputs.removeAll { $0.path == stamp.path }
    outputs.append(stamp)
  }

  /// Adds or replaces the input stamp for `stamp.path`.
  public mutating func record(input stamp: FileStamp) {
    inputs.removeAll { $0.path == stamp.path }
    inputs.append(stamp)
  }
}
