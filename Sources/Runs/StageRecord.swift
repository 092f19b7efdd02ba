import Foundation

/// What a stage's outputs depend on (its options and input files) and where its
/// manifest lives: the one way every stage that skips up-to-date work decides
/// to skip, and writes.
public struct StageRecord: Sendable {
  public var stage: String
  /// The manifest file, in the outputs' folder.
  public var manifest: String
  public var options: [String: String]
  public var inputs: [String]
  public var outputs: [String]

  /// The record of `stage` whose manifest lives in `folder`.
  public init(stage: String, folder: String, options: [String: String], inputs: [String], outputs: [String]) {
    self.stage = stage
    manifest = StageManifest.path(folder: folder, stage: stage)
    self.options = options
    self.inputs = inputs
    self.outputs = outputs
  }

  /// True when the manifest says the outputs were made from these options and inputs, and none changed since.
  public var isUpToDate: Bool {
    StageManifest.isUpToDate(at: manifest, stage: stage, options: options, inputs: inputs, outputs: outputs)
  }

  /// Runs `write`, which makes the outputs, between withdrawing the old manifest and
  /// stamping the new one, so that a stage killed half-way never looks up to date.
  public func writing<T>(_ write: () throws -> T) throws -> T {
    try? FileManager.default.removeItem(atPath: manifest)
    let result = try write()
    try StageManifest.stamping(stage: stage, options: options, inputs: inputs, outputs: outputs).write(to: manifest)
    return result
  }
}
