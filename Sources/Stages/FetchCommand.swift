import ArgumentParser
import DataFiles
import Foundation
import Terminal

/// `vae-fetch`: download a data set's four `.gz` files and verify them.
public struct FetchCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-fetch",
    abstract: "Download the four .gz files of a data set (mnist, fashion-mnist, kmnist) and verify their checksums.",
    discussion: """
      Sources are tried in order: every --mirror given, else $DATASET_MIRROR, else (for MNIST) \
      $MNIST_MIRROR, else the data set's \
      public mirrors; a mirror is an http(s) URL of a folder, a file:// URL or a local folder. \
      Each file is downloaded to NAME.part (an interrupted download resumes with an HTTP Range \
      request), checked against the published SHA-256 (MNIST) or MD5 (Fashion-MNIST, KMNIST), and \
      renamed into place. Files already present and verified are not fetched again; verification \
      is remembered in .vae-fetch.manifest.json beside them.

      Example: vae-fetch --mirror ../shared/data/mnist
      """)

  @OptionGroup public var data: DatasetOptions

  @Option(name: .customLong("mirror"), help: "A URL or local folder to fetch from (repeatable; tried in order before any other source).")
  public var mirrors: [String] = []

  @Option(help: "Folder for the .gz files (default: artifacts/raw/<dataset>).")
  public var out: String?

  @Option(help: "A sha256sum/md5sum-style list of sums to verify against instead of the built-in ones.")
  public var checksums: String?

  @Option(help: "Seconds to wait for a server's response before an attempt fails.")
  public var connectTimeout: Double = 15

  @Option(help: "Seconds without data after which an attempt fails.")
  public var readTimeout: Double = 30

  @Option(help: "Extra attempts per mirror after a network failure.")
  public var retries: Int = 3

  @Option(help: "Seconds before the first retry; each further retry waits twice as long.")
  public var retryDelay: Double = 1

  public init() {}

  public func validate() throws {
    guard connectTimeout > 0, readTimeout > 0 else { throw ValidationError("Timeouts must be positive.") }
    guard retries >= 0 else { throw ValidationError("--retries must be 0 or more.") }
    guard retryDelay >= 0 else { throw ValidationError("--retry-delay must be 0 or more.") }
    guard mirrors.allSatisfy({ !$0.isEmpty }) else { throw ValidationError("--mirror needs a URL or a folder.") }
  }

  public func run() throws {
    try StageError.reporting {
      let dataset = data.dataset
      let folder = out ?? ArtifactPaths.raw(dataset)
      var sums: [String: Checksum]?
      if let checksums {
        let text = String(decoding: try FileReader.contents(of: checksums), as: UTF8.self)
        let listed = try Checksum.parseList(text, path: checksums)
        for file in dataset.files where listed[file.name] == nil {
          throw StageError.noChecksum(file: file.name, list: checksums)
        }
        sums = listed
      }
      let fetch = FetchStage(
        dataset: dataset, folder: folder,
        mirrors: FetchStage.mirrors(flags: mirrors, environment: ProcessInfo.processInfo.environment, dataset: dataset),
        checksums: sums,
        settings: .init(connectTimeout: connectTimeout, readTimeout: readTimeout, retries: retries, retryDelay: retryDelay))
      let summary = try fetch.run()
      let console = Console.standard
      if summary.fetched.isEmpty {
        console.line("vae-fetch: \(dataset.title) is up to date in \(folder): all \(summary.present.count) files present and verified (skipped)")
      } else {
        console.line("vae-fetch: \(dataset.title) in \(folder): fetched \(summary.fetched.count), already present \(summary.present.count)")
      }
    }
  }
}
