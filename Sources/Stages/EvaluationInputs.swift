import Checkpoints
import Corruptions
import DataFiles
import Foundation
import Runs

/// What vae-eval and vae-render work from: a trained model, the clean test
/// images, and optionally a corrupted copy of them, all resolved from the
/// same flags (--run, --checkpoint, --data, --test-input).
///
/// `resolve` reads only the checkpoint, so a stage can tell whether its
/// outputs are up to date before `loadImages` reads the (larger) image files.
public struct EvaluationInputs {
  /// The test images, clean and (if given) corrupted, checked against each other and the model.
  public struct Images {
    public var clean: IDXArray<UInt8>
    public var corrupted: IDXArray<UInt8>?
    public var count: Int { clean.itemCount }
  }

  public let model: TrainedModel
  /// The checkpoint's training position; nil for a weights-only export.
  public let position: RunCheckpoint.Position?
  /// Newer checkpoints that were skipped because they did not decode (path, reason).
  public let rejected: [(path: String, reason: String)]
  /// The clean test images file: `<data>/test-images.idx`.
  public let testImagesPath: String
  /// The corrupted test images file, if any.
  public let testInputPath: String?
  /// `spec.json` beside the corrupted images, if vae-corrupt wrote one.
  public let specPath: String?
  /// The corruption as spec.json describes it ("gaussian noise, sigma 0.5", ...), if known.
  public let corruption: String?

  /// The run folder a stage works on: `given` if set; else the run that holds
  /// `checkpoint` (`<run>/checkpoints/step-N.safetensors`); else `artifacts/runs/vae`.
  public static func runFolder(given: String?, checkpoint: String?) -> String {
    if let given { return given }
    if let checkpoint {
      let folder = FilePaths.parent(of: checkpoint)
      if (folder as NSString).lastPathComponent == "checkpoints" {
        let run = FilePaths.parent(of: folder)
        return run.isEmpty ? "." : run
      }
    }
    return ArtifactPaths.run("vae")
  }

  /// Loads the model from `checkpoint`, or from the newest valid checkpoint of `run`.
  /// `data` and `testInput` default to the folders the run was trained with.
  public static func resolve(run: String, checkpoint: String?, data: String?, testInput: String?, threads: Int) throws -> EvaluationInputs {
    let opened: RunCheckpoint
    var rejected: [(path: String, reason: String)] = []
    if let checkpoint {
      guard FileManager.default.fileExists(atPath: checkpoint) else {
        throw RunError.missingInput(path: checkpoint, hint: "no such checkpoint; vae-checkpoint info lists a run's checkpoints")
      }
      opened = try RunCheckpoint.open(checkpoint)
    } else {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: run, isDirectory: &isFolder), isFolder.boolValue else {
        throw RunError.missingRun(path: run)
      }
      (opened, rejected) = try RunCheckpoint.newest(in: RunFolder(path: run))
    }
    let model = try TrainedModel(checkpoint: opened, threads: threads)
    let position = opened.position
    let dataFolder = data ?? model.config.data
    let input = testInput ?? model.config.testInput
    var specPath: String?
    var corruption: String?
    if let input {
      let spec = FilePaths.parent(of: input).isEmpty
        ? "spec.json" : FilePaths.parent(of: input) + "/spec.json"
      if FileManager.default.fileExists(atPath: spec) {
        specPath = spec
        corruption = try Self.corruption(described: spec)
      }
    }
    return EvaluationInputs(
      model: model, position: position, rejected: rejected,
      testImagesPath: DigitSet.path(folder: dataFolder, split: .test, member: .images), testInputPath: input,
      specPath: specPath, corruption: corruption)
  }

  /// The files the results depend on: the checkpoint, the test images, the corrupted ones and their spec.
  public var inputFiles: [String] {
    [model.path, testImagesPath] + [testInputPath, specPath].compactMap { $0 }
  }

  /// Reads the test images (and the corrupted copy) and checks them against the model and each other.
  public func loadImages() throws -> Images {
    let clean = try DigitSet.loadImages(path: testImagesPath)
    try model.check(clean, source: testImagesPath)
    guard let testInputPath else { return Images(clean: clean, corrupted: nil) }
    let corrupted = try DigitSet.loadImages(path: testInputPath)
    guard corrupted.shape == clean.shape else {
      throw RunError.dataMismatch(
        path: testInputPath,
        reason: "holds \(Self.shape(corrupted.shape)) images but the test set \(testImagesPath) holds \(Self.shape(clean.shape)); "
          + "was it corrupted from another file?")
    }
    return Images(clean: clean, corrupted: corrupted)
  }

  /// The corruption a vae-corrupt spec.json holds, in words ("gaussian noise, sigma 0.5");
  /// throws `CorruptionError` for a file that cannot be read, an old spec.json included.
  static func corruption(described path: String) throws -> String {
    try CorruptionSpec.read(from: path).corruption.summary
  }

  static func shape(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
