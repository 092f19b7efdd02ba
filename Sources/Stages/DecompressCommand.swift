import ArgumentParser
import DataFiles
import Terminal

/// `vae-decompress`: turn the fetched `.gz` files into checked IDX files.
public struct DecompressCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-decompress",
    abstract: "Decompress a data set's .gz files into checked IDX files.",
    discussion: """
      Reads train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and \
      t10k-labels-idx1-ubyte.gz from --raw and writes train-images.idx, train-labels.idx, \
      test-images.idx and test-labels.idx to --data, checking that images are N x 28 x 28 UInt8, \
      that there is one label per image and that every label is 0-9. Outputs are written under \
      temporary names and renamed when complete. A split whose inputs and outputs are unchanged \
      since the last run (per .vae-decompress.manifest.json) is skipped.

      Example: vae-decompress --dataset mnist --raw artifacts/raw/mnist --data artifacts/data/mnist
      """)

  @OptionGroup public var data: DatasetOptions

  @Option(help: "Folder holding the fetched .gz files (default: artifacts/raw/<dataset>).")
  public var raw: String?

  @Option(name: .customLong("data"), help: "Folder for the IDX files (default: artifacts/data/<dataset>).")
  public var dataFolder: String?

  public init() {}

  public func run() throws {
    try StageError.reporting {
      let dataset = data.dataset
      let raw = raw ?? ArtifactPaths.raw(dataset)
      let out = dataFolder ?? ArtifactPaths.data(dataset)
      let done = try DecompressStage(dataset: dataset, raw: raw, data: out).run()
      if done.isEmpty {
        Console.standard.line("vae-decompress: \(out) is up to date with \(raw) (skipped)")
      } else {
        Console.standard.line("vae-decompress: wrote \(done.map(\.rawValue).joined(separator: " and ")) to \(out)")
      }
    }
  }
}
