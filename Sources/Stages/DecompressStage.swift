import DataFiles
import Fetching
import Runs
import Terminal

/// The work of `vae-decompress`: both splits of a data set, each skipped
/// when its inputs and outputs match `.vae-decompress.manifest.json`.
public struct DecompressStage {
  public var dataset: Dataset
  /// Folder of the `.gz` files.
  public var raw: String
  /// Folder for the IDX files.
  public var data: String
  public var console: Console

  public static let stageName = "vae-decompress"

  public init(dataset: Dataset, raw: String, data: String, console: Console = .standard) {
    self.dataset = dataset
    self.raw = raw
    self.data = data
    self.console = console
  }

  /// Decompresses what is out of date; returns the splits it wrote.
  public func run() throws -> [Split] {
    let files = dataset.files
    for file in files where FileStamp.current(raw + "/" + file.name) == nil {
      throw RunError.missingInput(path: raw + "/" + file.name, hint: "run vae-fetch first (or pass --raw)")
    }
    try Folders.create(data)
    let manifestPath = StageManifest.path(folder: data, stage: Self.stageName)
    let options = ["dataset": dataset.rawValue]
    let old = StageManifest.load(from: manifestPath)
    var manifest = StageManifest(stage: Self.stageName, options: options)
    var written: [Split] = []
    for split in Split.allCases {
      guard let imagesFile = files.first(where: { $0.split == split && $0.member == .images }),
        let labelsFile = files.first(where: { $0.split == split && $0.member == .labels })
      else { continue }
      let inputs = [raw + "/" + imagesFile.name, raw + "/" + labelsFile.name]
      let outputs = [data + "/" + imagesFile.idxName, data + "/" + labelsFile.idxName]
      if let old, old.options == options, Self.unchanged(inputs + outputs, in: old) {
        for path in inputs { if let stamp = old.stamp(of: path) { manifest.record(input: stamp) } }
        for path in outputs { if let stamp = old.stamp(of: path) { manifest.record(output: stamp) } }
        continue
      }
      let inputStamps = inputs.compactMap(FileStamp.current)
      let progress = ProgressMeter(split.rawValue, total: inputStamps.reduce(0) { $0 + $1.size }, unit: .bytes, console: console)
      let result = try Decompression.split(
        imagesGz: inputs[0], labelsGz: inputs[1], imagesOut: outputs[0], labelsOut: outputs[1]
      ) { progress.update(completed: $0) }
      progress.finish("\(result.count) images and labels, \(ProgressMeter.bytes(result.bytesWritten)) of IDX written")
      // Input stamps were taken before the work: an input that changed during it reruns next time.
      inputStamps.forEach { manifest.record(input: $0) }
      for path in outputs {
        guard let stamp = FileStamp.current(path) else {
          throw StageError.io(path: path, operation: "stat after writing", reason: "file vanished")
        }
        manifest.record(output: stamp)
      }
      written.append(split)
      // Written after each split's outputs are in place, never before: a run that
      // fails later still records (only) the splits it finished.
      try manifest.write(to: manifestPath)
    }
    // The descriptor every later stage reads (class names, size); folders from before it existed gain it here.
    let descriptorPath = data + "/" + DatasetDescriptor.fileName
    let recorded = try? DatasetDescriptor.parse(String(decoding: FileReader.contents(of: descriptorPath, limit: 1 << 20), as: UTF8.self), source: descriptorPath)
    if recorded != dataset.descriptor { try dataset.descriptor.write(folder: data) }
    return written
  }

  /// True when every path has a recorded stamp in `manifest` that still matches the disk.
  private static func unchanged(_ paths: [String], in manifest: StageManifest) -> Bool {
    paths.allSatisfy { manifest.stamp(of: $0)?.matchesDisk == true }
  }
}
