import Corruptions
import DataFiles
import Foundation
import Reports
import Runs

/// How `vae-render --report` learns what a run's corrupted inputs are when its
/// metrics.json does not say: from vae-corrupt's spec.json (read by `CorruptionSpec`).
extension RunTableRow {
  /// The corruption, in words, of the spec.json beside the config's test input (else its training
  /// input). Paths in config.json are relative to where vae-train ran, normally the folder
  /// holding `artifacts/`, so each is tried as given and then against the parent of `artifacts`.
  static func corruption(of config: RunConfig, artifacts: String) -> String? {
    let parent = URL(fileURLWithPath: artifacts).standardizedFileURL.deletingLastPathComponent().path
    for input in [config.testInput, config.input].compactMap({ $0 }) {
      let folder = FilePaths.parent(of: input)
      let spec = folder.isEmpty ? "spec.json" : folder + "/spec.json"
      for candidate in spec.hasPrefix("/") ? [spec] : [spec, parent + "/" + spec] {
        // A report never fails: a spec.json that cannot be read (an old one too) says nothing.
        if let spec = try? CorruptionSpec.read(from: candidate) { return spec.corruption.summary }
      }
    }
    return nil
  }
}
