import DataFiles
import Fetching

/// Default locations of every stage's inputs and outputs, all under `artifacts/`
/// relative to the working directory (the package root in normal use).
public enum ArtifactPaths {
  /// The root of everything stages write.
  public static let root = "artifacts"

  /// `artifacts/raw/<dataset>`: the compressed files as fetched.
  public static func raw(_ dataset: Dataset) -> String { "\(root)/raw/\(dataset.rawValue)" }

  /// `artifacts/data/<dataset>`: the decompressed IDX files.
  public static func data(_ dataset: Dataset) -> String { data(named: dataset.rawValue) }

  /// `artifacts/data/<name>`: the IDX files of the data set called `name`.
  public static func data(named name: String) -> String { "\(root)/data/\(name)" }

  /// `artifacts/judge/<name>.safetensors`: the judge classifier of the data set called `name`.
  public static func judge(named name: String) -> String { "\(root)/judge/\(name).safetensors" }

  /// `artifacts/corrupt/<name>`: corrupted images and their masks.
  public static func corrupt(_ name: String) -> String { "\(root)/corrupt/\(name)" }

  /// `artifacts/runs/<name>`: one training run (config, log, checkpoints).
  public static func run(_ name: String) -> String { "\(root)/runs/\(name)" }

  /// `artifacts/render/<name>`: pictures and the HTML report.
  public static func render(_ name: String) -> String { "\(root)/render/\(name)" }
}
