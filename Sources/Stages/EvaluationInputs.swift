import Checkpoints
import DataFiles
import Foundation

/// What vae-eval and vae-render work from: a trained model, the clean test
/// images, and optionally a corrupted copy of them, all resolved from the
/// same flags (--run, --checkpoint, --data, --test-input).
///
/// `resolve` reads only the checkpoint, so a stage can tell whether its
/// outputs are up to date before `loadImages` reads the (larger) image files.
public struct EvaluationInputs {
  /// Where in training a checkpoint was written.
  public struct Position: Equatable, Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Steps into the epoch after those (0 at an epoch end).
    public var stepInEpoch: Int
    /// Steps since the start of training.
    public var globalStep: Int

    /// "after 5 epochs (step 2345)" or "after 2 epochs and 40 steps (step 278)".
    public var description: String {
      let epochs = "\(epoch) epoch\(epoch == 1 ? "" : "s")"
      let steps = stepInEpoch == 0 ? "" : " and \(stepInEpoch) step\(stepInEpoch == 1 ? "" : "s")"
      return "after \(epochs)\(steps) (step \(globalStep))"
    }
  }

  /// The test images, clean and (if given) corrupted, checked against each other and the model.
  public struct Images {
    public var clean: IDXArray<UInt8>
    public var corrupted: IDXArray<UInt8>?
    public var count: Int { clean.itemCount }
  }

  public let model: TrainedModel
  /// The checkpoint's training position; nil for a weights-only export.
  public let position: Position?
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
    let chosen: String
    var rejected: [(path: String, reason: String)] = []
    if let checkpoint {
      chosen = checkpoint
    } else {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: run, isDirectory: &isFolder), isFolder.boolValue else {
        throw StageError.missingRun(path: run)
      }
      let found = try TrainingSession.Folder(path: run).checkpoints.newestValid()
      chosen = found.path
      rejected = found.rejected
    }
    guard FileManager.default.fileExists(atPath: chosen) else {
      throw StageError.missingInput(path: chosen, hint: "no such checkpoint; vae-checkpoint info lists a run's checkpoints")
    }
    let model = try TrainedModel.load(run: run, checkpoint: chosen, threads: threads)
    let position = try Self.position(of: chosen)
    let dataFolder = data ?? model.config.data
    let input = testInput ?? model.config.testInput
    var specPath: String?
    var corruption: String?
    if let input {
      let spec = FilePaths.parent(of: input).isEmpty
        ? "spec.json" : FilePaths.parent(of: input) + "/spec.json"
      if FileManager.default.fileExists(atPath: spec) {
        specPath = spec
        corruption = Self.corruption(described: spec)
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
      throw StageError.dataMismatch(
        path: testInputPath,
        reason: "holds \(Self.shape(corrupted.shape)) images but the test set \(testImagesPath) holds \(Self.shape(clean.shape)); "
          + "was it corrupted from another file?")
    }
    return Images(clean: clean, corrupted: corrupted)
  }

  /// The training position stored in a checkpoint, or nil when it holds weights only.
  static func position(of path: String) throws -> Position? {
    let file = try SafeTensorsFile.read(from: path, requireChecksum: true)
    func scalar(_ name: String) -> Int? {
      guard let tensor = file[name], tensor.dtype == .i64, tensor.shape == [], let value = try? tensor.int64s().first else { return nil }
      return Int(value)
    }
    guard let epoch = scalar("train.epoch"), let inEpoch = scalar("train.step_in_epoch"), let step = scalar("train.global_step") else {
      return nil
    }
    return Position(epoch: epoch, stepInEpoch: inEpoch, globalStep: step)
  }

  /// The "description" of a vae-corrupt spec.json; nil when it has none (the file is only informative).
  static func corruption(described path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return object["description"] as? String
  }

  static func shape(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
