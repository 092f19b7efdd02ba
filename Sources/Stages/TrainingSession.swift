import Checkpoints
import DataFiles
import Foundation
import Models

/// One `vae-train` invocation's work: load the data, build or restore the
/// trainer, train epoch by epoch with periodic checkpoints, log and stop
/// cleanly on a signal or a non-finite loss. All printing goes through the
/// console; the numerics below it do no I/O.
public final class TrainingSession {
  /// How the session ended.
  public enum Outcome: Equatable, Sendable {
    /// All epochs are done; the final checkpoint is at `checkpoint`.
    case finished(checkpoint: String)
    /// The run had already reached its epochs; nothing was trained.
    case alreadyDone(checkpoint: String)
    /// A signal arrived; the state at `checkpoint` resumes the run exactly.
    case interrupted(signal: Int32, checkpoint: String)
  }

  /// The run folder's files.
  public struct Folder: Sendable {
    public let path: String
    public init(path: String) { self.path = path }
    public var config: String { path + "/config.json" }
    public var log: String { path + "/log.csv" }
    public var snapshots: String { path + "/" + ReconstructionSnapshots.fileName }
    public var checkpoints: CheckpointFolder { CheckpointFolder(path: path + "/checkpoints") }
    /// True when the folder holds anything a run writes.
    public var holdsRun: Bool {
      let files = FileManager.default
      return files.fileExists(atPath: config) || files.fileExists(atPath: log)
        || ((try? checkpoints.list().isEmpty) == false)
    }
  }

  public let config: RunConfig
  public let folder: Folder
  public let checkpointEvery: Int
  public let keep: Int
  /// Test images whose reconstructions are saved at each epoch end (`ReconstructionSnapshots`);
  /// nil continues an existing snapshots file on resume and records none otherwise.
  public var snapshotImages: Int?
  private let console: Console
  private let trap: SignalTrap?

  public init(config: RunConfig, folder: Folder, checkpointEvery: Int, keep: Int, console: Console = .standard, trap: SignalTrap? = nil) {
    self.config = config
    self.folder = folder
    self.checkpointEvery = checkpointEvery
    self.keep = keep
    self.console = console
    self.trap = trap
  }

  /// The training and test images as the trainer takes them.
  struct Data {
    var inputs: [UInt8]
    var targets: [UInt8]?
    var count: Int
    var testInputs: [UInt8]
    var testTargets: [UInt8]?
    var testCount: Int
    /// The conditions of a cvae or inpaint model (nil for a plain VAE).
    var conditions: (any ConditionSource)?
    var testConditions: (any ConditionSource)?
  }

  func loadData() throws -> Data {
    let pixels = config.model.inputSize
    let train = try DigitSet.loadImages(folder: config.data, split: .train)
    let test = try DigitSet.loadImages(folder: config.data, split: .test)
    guard train.itemSize == pixels else {
      throw StageError.dataMismatch(
        path: DigitSet.path(folder: config.data, split: .train, member: .images),
        reason: "images have \(train.itemSize) pixels, the model expects \(pixels)")
    }
    var count = train.itemCount
    if let limit = config.limit { count = min(count, limit) }
    func corrupted(_ path: String?, like clean: IDXArray<UInt8>) throws -> [UInt8]? {
      guard let path else { return nil }
      let images = try DigitSet.loadImages(path: path)
      guard images.shape == clean.shape else {
        throw StageError.dataMismatch(
          path: path,
          reason: "shape \(images.shape.map(String.init).joined(separator: "x")) differs from the clean images' \(clean.shape.map(String.init).joined(separator: "x"))")
      }
      return images.scalars
    }
    let input = try corrupted(config.input, like: train)
    let testInput = try corrupted(config.testInput, like: test)
    let trainClean = count == train.itemCount ? train.scalars : Array(train.scalars[0..<count * pixels])
    let trainInput = input.map { count == train.itemCount ? $0 : Array($0[0..<count * pixels]) }
    var data = Data(
      inputs: trainInput ?? trainClean, targets: trainInput == nil ? nil : trainClean, count: count,
      testInputs: testInput ?? test.scalars, testTargets: testInput == nil ? nil : test.scalars, testCount: test.itemCount)
    switch config.kind {
    case .vae: break
    case .cvae:
      let labels = try Self.labels(folder: config.data, split: .train, images: train.itemCount)
      data.conditions = LabelCondition(labels: Array(labels[0..<count]), classes: ModelKind.classes)
      data.testConditions = LabelCondition(
        labels: try Self.labels(folder: config.data, split: .test, images: test.itemCount), classes: ModelKind.classes)
    case .inpaint:
      data.conditions = InpaintCondition(seed: config.training.seed, count: count, side: DigitSet.side)
      // The test loss uses masks no training epoch draws (another seed), the same at every epoch.
      data.testConditions = InpaintCondition(seed: config.training.seed ^ 0x7E57, count: test.itemCount, side: DigitSet.side)
    }
    return data
  }

  /// The digit labels of `split`, checked to be there and one per image.
  static func labels(folder: String, split: Split, images: Int) throws -> [UInt8] {
    let path = DigitSet.path(folder: folder, split: split, member: .labels)
    guard FileManager.default.fileExists(atPath: path) else {
      throw StageError.missingInput(
        path: path, hint: "--model cvae is conditioned on the digit labels; vae-decompress writes them beside the images")
    }
    let labels = try DigitSet.loadLabels(path: path)
    guard labels.count == images else {
      throw StageError.dataMismatch(
        path: path, reason: "holds \(labels.count) labels but \(DigitSet.path(folder: folder, split: split, member: .images)) holds \(images) images")
    }
    return labels
  }

  /// Trains from scratch, or from `resume` (a checkpoint already decoded).
  public func run(resume: (checkpoint: TrainingCheckpoint, path: String)? = nil) throws -> Outcome {
    let data = try loadData()
    let trainer = try Trainer(
      model: config.model, training: config.training, images: data.inputs, targets: data.targets, count: data.count,
      conditions: data.conditions)
    let layout = trainer.parameters.entries
    var log = TrainingLog()
    var sums = TrainingCheckpoint.EpochSums()
    var lastCheckpoint = ""
    if let resume {
      try trainer.restore(
        state: resume.checkpoint.state, parameters: resume.checkpoint.parameters, adamM: resume.checkpoint.adamM,
        adamV: resume.checkpoint.adamV)
      sums = resume.checkpoint.epochSums
      lastCheckpoint = resume.path
      // Rows for epochs after the checkpoint were written by a run that died before its next checkpoint.
      log = try TrainingLog.read(from: folder.log)
      log.rows.removeAll { $0.epoch > trainer.epoch }
      console.line(
        "vae-train: resuming \(folder.path) from \(resume.path) (epoch \(trainer.epoch + 1), step \(trainer.stepInEpoch) of \(trainer.stepsPerEpoch))")
      if trainer.epoch >= config.training.epochs, trainer.stepInEpoch == 0 {
        return .alreadyDone(checkpoint: resume.path)
      }
    }
    try AtomicFile.write(text: config.json(), to: folder.config)
    try log.write(to: folder.log)
    // Snapshots are decode(mu(x)) of a plain VAE; a conditional model has no condition-free reconstruction.
    if config.kind != .vae, let snapshotImages, snapshotImages > 0 {
      throw StageError.other("--snapshot-images records plain VAE reconstructions; \(folder.path) is a \(config.kind.rawValue) run")
    }
    let snapshots = config.kind != .vae ? nil : try ReconstructionSnapshots.Recorder.start(
      path: folder.snapshots, requested: snapshotImages, epochsDone: trainer.epoch, resuming: resume != nil,
      testInputs: data.testInputs, testCount: data.testCount, imageSize: config.model.inputSize)

    // Checkpoints: the state is copied here, encoded and written (fsync, rename) on another thread.
    let writer = BackgroundWriter()
    defer { try? writer.wait() }
    func save() throws {
      let checkpoint = TrainingCheckpoint(trainer: trainer, config: config, epochSums: sums)
      let (checkpoints, step, keep) = (folder.checkpoints, trainer.globalStep, keep)
      try writer.submit { _ = try checkpoints.save(checkpoint.file(layout: layout), step: step, keep: keep) }
      lastCheckpoint = checkpoints.filePath(step: step)
    }

    while trainer.epoch < config.training.epochs {
      let epoch = trainer.epoch
      let progress = Progress(
        "epoch \(epoch + 1)/\(config.training.epochs)", total: Int64(data.count), unit: .items("samples"), console: console)
      progress.update(completed: Int64(min(trainer.stepInEpoch * config.training.batchSize, data.count)))
      let startClock = Progress.monotonicSeconds()
      let startSeconds = sums.seconds
      while trainer.epoch == epoch {
        let batch = min(config.training.batchSize, data.count - trainer.stepInEpoch * config.training.batchSize)
        let report = trainer.step()
        guard report.isFinite else {
          console.clearBar()
          throw StageError.nonFiniteLoss(
            step: trainer.globalStep, epoch: epoch + 1, loss: report.total,
            lastGood: lastCheckpoint.isEmpty ? nil : lastCheckpoint)
        }
        sums.add(report, images: batch)
        sums.seconds = startSeconds + Progress.monotonicSeconds() - startClock
        progress.update(completed: Int64(sums.images), extra: "loss " + TrainingLog.format(sums.mean.total))
        if let signal = trap?.caught {
          try save()
          try writer.wait()
          console.clearBar()
          return .interrupted(signal: signal, checkpoint: lastCheckpoint)
        }
        if checkpointEvery > 0, trainer.globalStep % checkpointEvery == 0, trainer.epoch == epoch { try save() }
      }
      let test = try trainer.evaluate(
        images: data.testInputs, targets: data.testTargets, count: data.testCount, conditions: data.testConditions)
      let row = TrainingLog.Row(
        epoch: epoch + 1, step: trainer.globalStep, train: sums.mean, test: test, seconds: sums.seconds,
        samplesPerSecond: sums.images / max(sums.seconds, 1e-9))
      log.rows.append(row)
      sums = TrainingCheckpoint.EpochSums()
      // The log first: a crash between the two leaves a row that the resume
      // (from the checkpoint before) drops and writes again.
      try log.write(to: folder.log)
      try snapshots?.record(trainer.model)
      try save()
      // Our own summary rather than the progress reporter's: a resumed epoch's
      // rate must count only the time and images of this epoch, across processes.
      console.clearBar()
      console.line(
        "epoch \(epoch + 1)/\(config.training.epochs): train \(Self.describe(row.train)), test \(Self.describe(row.test)) nats/image; "
          + "\(Progress.seconds(row.seconds)), \(Int(row.samplesPerSecond.rounded())) samples/s")
    }
    try writer.wait()
    return .finished(checkpoint: lastCheckpoint)
  }

  static func describe(_ loss: LossReport) -> String {
    "\(TrainingLog.format(loss.total)) (recon \(TrainingLog.format(loss.recon)), KL \(TrainingLog.format(loss.kl)))"
  }
}
