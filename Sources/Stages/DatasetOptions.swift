import ArgumentParser
import DataFiles
import Fetching
import Foundation

/// The `--dataset` option of the stages that fetch: one of the built-in data sets.
public struct DatasetOptions: ParsableArguments {
  @Option(help: "Which data set: mnist, fashion-mnist or kmnist.")
  public var dataset: Dataset = .mnist

  public init() {}
}

extension Dataset: ExpressibleByArgument {}

/// The `--dataset NAME` option of the stages that read a data folder (vae-corrupt,
/// vae-train, vae-classify, vae-bench): the folder `artifacts/data/<NAME>`, beside the
/// stage's own `--data DIR` (or `--images FILE`) for a folder anywhere.
public struct DatasetChoice: ParsableArguments {
  @Option(
    name: .customLong("dataset"),
    help: "Data set by name: mnist, fashion-mnist, kmnist or any folder under artifacts/data (its data is artifacts/data/<name>) (default mnist).")
  public var name: String?

  public init() {}

  /// The data set's name: as given, else mnist.
  public var chosen: String { name ?? DatasetDescriptor.mnist.name }

  /// The data folder: `data` when given, else `artifacts/data/<name>`. Refuses both
  /// at once, and a name that is neither built in nor a folder under artifacts/data
  /// (listing the names it knows).
  public func folder(data: String?, dataFlag: String = "--data") throws -> String {
    if let data {
      if name != nil { throw ValidationError("give --dataset or \(dataFlag), not both") }
      return data
    }
    guard let name else { return ArtifactPaths.data(named: DatasetDescriptor.mnist.name) }
    guard DatasetDescriptor.isName(name) else {
      throw ValidationError("--dataset \"\(name)\" is not a data set name (letters, digits, '.', '_', '-')")
    }
    let folder = ArtifactPaths.data(named: name)
    guard DatasetDescriptor.builtIn(named: name) != nil || FileManager.default.fileExists(atPath: folder) else {
      throw ValidationError("unknown data set \"\(name)\"; known: \(Self.known().joined(separator: ", ")) (or give \(dataFlag) for a folder elsewhere)")
    }
    return folder
  }

  /// The built-in names, then the folders under artifacts/data.
  static func known() -> [String] {
    let builtIn = DatasetDescriptor.builtIn.map(\.name)
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: ArtifactPaths.root + "/data")) ?? []
    return builtIn + folders.sorted().filter { !builtIn.contains($0) && DatasetDescriptor.isName($0) }
  }
}
