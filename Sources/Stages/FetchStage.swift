import DataFiles
import Fetching
import Foundation
import Runs
import Terminal

/// The work of `vae-fetch`: make `folder` hold a data set's four verified
/// `.gz` files, fetching only those that are missing or wrong.
///
/// Verification is cached in `.vae-fetch.manifest.json` beside the files:
/// each verified file's size, modification time and digests. A file whose
/// size and mtime still match its record is trusted without re-hashing, so a
/// second run reads no file contents and opens no connection. A file present
/// without a matching record is hashed once; if it verifies, it is kept.
public struct FetchStage {
  public var dataset: Dataset
  /// Where the `.gz` files go.
  public var folder: String
  /// Sources in the order to try.
  public var mirrors: [Mirror]
  /// Expected sums per file name (the data set's published ones unless overridden).
  public var checksums: [String: Checksum]
  public var settings: Downloader.Settings
  public var console: Console

  /// What a run did.
  public struct Summary: Equatable, Sendable {
    /// Files fetched from a mirror.
    public var fetched: [String] = []
    /// Files already present and verified (by the manifest or by hashing).
    public var present: [String] = []
  }

  public static let stageName = "vae-fetch"

  public init(
    dataset: Dataset, folder: String, mirrors: [Mirror], checksums: [String: Checksum]? = nil,
    settings: Downloader.Settings = .init(), console: Console = .standard
  ) {
    self.dataset = dataset
    self.folder = folder
    self.mirrors = mirrors
    self.checksums = checksums ?? Dictionary(uniqueKeysWithValues: dataset.files.map { ($0.name, $0.checksum) })
    self.settings = settings
    self.console = console
  }

  /// The sources to use: `--mirror` values if any, else `$DATASET_MIRROR`, else for MNIST
  /// `$MNIST_MIRROR`, else the data set's mirrors.
  public static func mirrors(flags: [String], environment: [String: String], dataset: Dataset) -> [Mirror] {
    if !flags.isEmpty { return flags.map(Mirror.init) }
    if let fromEnvironment = environment["DATASET_MIRROR"], !fromEnvironment.isEmpty { return [Mirror(fromEnvironment)] }
    if dataset == .mnist, let fromEnvironment = environment["MNIST_MIRROR"], !fromEnvironment.isEmpty { return [Mirror(fromEnvironment)] }
    return dataset.mirrors.map(Mirror.init)
  }

  public func run() throws -> Summary {
    try Folders.create(folder)
    let manifestPath = StageManifest.path(folder: folder, stage: Self.stageName)
    var manifest = StageManifest.load(from: manifestPath) ?? StageManifest(stage: Self.stageName, options: [:])
    var summary = Summary()
    var downloader: Downloader?  // made only if something must be fetched
    for file in dataset.files {
      guard let checksum = checksums[file.name] else {
        throw StageError.noChecksum(file: file.name, list: "the checksum list")
      }
      let target = folder + "/" + file.name
      if let recorded = manifest.stamp(of: target), recorded.matchesDisk, Self.digests(recorded).map({ checksum.mismatch(with: $0) == nil }) == true {
        summary.present.append(file.name)
        continue
      }
      if var stamp = FileStamp.current(target) {
        // Present but not (or no longer) recorded: hash it once before deciding.
        let digests = try FileDigests.compute(path: target)
        if checksum.mismatch(with: digests) == nil {
          stamp.sha256 = digests.sha256
          stamp.md5 = digests.md5
          manifest.record(output: stamp)
          try manifest.write(to: manifestPath)
          console.line("\(file.name): already present, \(checksum.algorithms) ok")
          summary.present.append(file.name)
          continue
        }
        console.line("\(file.name): present but its checksum is wrong; fetching it again")
      }
      let fetcher = downloader ?? Downloader(mirrors: mirrors, settings: settings, console: console)
      downloader = fetcher
      let digests = try fetcher.fetch(name: file.name, into: folder, checksum: checksum, expectedSize: file.size)
      guard var stamp = FileStamp.current(target) else {
        throw StageError.io(path: target, operation: "stat after download", reason: "file vanished")
      }
      stamp.sha256 = digests.sha256
      stamp.md5 = digests.md5
      manifest.record(output: stamp)
      // Written after each file, so a later failure keeps the earlier files' records.
      try manifest.write(to: manifestPath)
      summary.fetched.append(file.name)
    }
    return summary
  }

  private static func digests(_ stamp: FileStamp) -> FileDigests? {
    guard let sha256 = stamp.sha256, let md5 = stamp.md5 else { return nil }
    return FileDigests(sha256: sha256, md5: md5)
  }
}
