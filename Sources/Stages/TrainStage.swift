import Checkpoints
import DataFiles
import Foundation
import Models
import Runs
import Terminal

/// The work of `vae-train`, apart from its command line: load the data,
/// build or restore the trainer, train epoch by epoch with periodic
/// checkpoints, log, and stop cleanly on a signal or a non-finite loss.
/// What to train (a fresh run or a resumption, every option checked) is
/// settled first by `TrainStage.Plan`; nothing is written before the plan
/// and the data are both good. All printing goes through the console; the
/// numerics below it do no I/O.
public final class TrainStage {
  /// How the stage ended.
  public enum Outcome: Equatable, Sendable {
    /// All epochs are done; the final checkpoint is at `checkpoint`.
    case finished(checkpoint: String)
    /// The run had already reached its epochs; nothing was trained.
    case alreadyDone(checkpoint: String)
    /// A signal arrived; the state at `checkpoint` resumes the run exactly.
    case interrupted(signal: Int32, checkpoint: String)
  }

  public let plan: Plan
  public var config: RunConfig { plan.config }
  public var folder: RunFolder { plan.folder }
  private let console: Console
  private let trap: SignalTrap?
  /// Checkpoints: the state is copied on the training thread, encoded and written (fsync, rename) on another.
  private let writer = BackgroundWriter()

  public init(plan: Plan, console: Console = .standard, trap: SignalTrap? = nil) {
    self.plan = plan
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
      throw RunError.dataMismatch(
        path: DigitSet.path(folder: config.data, split: .train, member: .images),
        reason: "images have \(train.itemSize) pixels, the model expects \(pixels)")
    }
    var count = train.itemCount
    if let limit = config.limit { count = min(count, limit) }
    func corrupted(_ path: String?, like clean: IDXArray<UInt8>) throws -> [UInt8]? {
      guard let path else { return nil }
      let images = try DigitSet.loadImages(path: path)
      guard images.shape == clean.shape else {
        throw RunError.dataMismatch(
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
    (data.conditions, data.testConditions) = try config.kind.run.trainingConditions(
      config: config, images: train.itemCount, count: count, testImages: test.itemCount)
    return data
  }

  /// The trainer's progress through the run, as the loop carries it.
  struct Progress {
    var log = TrainingLog()
    var sums = TrainingCheckpoint.EpochSums()
    var lastCheckpoint = ""
  }

  /// Trains the plan's run to its epochs (from scratch, or from the plan's checkpoint).
  public func run() throws -> Outcome {
    let (lock, data) = try start()
    defer { withExtendedLifetime(lock) {} }
    defer { try? writer.wait() }
    let trainer = try Trainer(
      model: config.model, training: config.training, images: data.inputs, targets: data.targets, count: data.count,
      conditions: data.conditions)
    var progress = Progress()
    if let resume = plan.resumeFrom {
      try restore(trainer, from: resume, into: &progress)
      if trainer.epoch >= config.training.epochs, trainer.stepInEpoch == 0 {
        return .alreadyDone(checkpoint: resume.path)
      }
    } else {
      try prepareFreshFolder()
    }
    try AtomicFile.write(text: config.json(), to: folder.config)
    try progress.log.write(to: folder.log)
    let snapshots = !config.kind.run.reconstructsFromImageAlone ? nil : try ReconstructionSnapshots.Recorder.start(
      path: folder.snapshots, requested: plan.snapshotImages, epochsDone: trainer.epoch, resuming: plan.resumeFrom != nil,
      testInputs: data.testInputs, testCount: data.testCount,
      height: config.datasetDescriptor.height, width: config.datasetDescriptor.width)
    while trainer.epoch < config.training.epochs {
      if let signal = try trainEpoch(trainer, data: data, progress: &progress) {
        return .interrupted(signal: signal, checkpoint: progress.lastCheckpoint)
      }
      try finishEpoch(trainer, data: data, snapshots: snapshots, progress: &progress)
    }
    try writer.wait()
    return .finished(checkpoint: progress.lastCheckpoint)
  }

  /// Takes the run folder (made if need be) for this process, then reads the data; a start
  /// that fails on either leaves no folder it made behind. Temporaries of an earlier,
  /// killed trainer are removed once the folder is ours.
  private func start() throws -> (RunLock, Data) {
    let made = !FileManager.default.fileExists(atPath: folder.path)
    try Folders.create(folder.path)
    let lock = try RunLock(folder: folder.path)
    do {
      let data = try loadData()
      folder.removeStaleTemporaries()
      return (lock, data)
    } catch {
      if made { try? FileManager.default.removeItem(atPath: folder.path) }
      throw error
    }
  }

  /// Puts the checkpoint's state into `trainer` and the log back to its epochs.
  private func restore(_ trainer: Trainer, from resume: Plan.Resumption, into progress: inout Progress) throws {
    let state = resume.checkpoint
    try trainer.restore(state: state.state, parameters: state.parameters, adamM: state.adamM, adamV: state.adamV)
    progress.sums = state.epochSums
    progress.lastCheckpoint = resume.path
    // Rows for epochs after the checkpoint were written by a run that died before its next checkpoint.
    progress.log = try TrainingLog.read(from: folder.log)
    progress.log.rows.removeAll { $0.epoch > trainer.epoch }
    console.line(
      "vae-train: resuming \(folder.path) from \(resume.path) (epoch \(trainer.epoch + 1), step \(trainer.stepInEpoch) of \(trainer.stepsPerEpoch))")
  }

  /// Makes the run folder; with --force, first removes the run it held.
  private func prepareFreshFolder() throws {
    if plan.force {
      for (_, path) in try folder.checkpoints.list() { try? FileManager.default.removeItem(atPath: path) }
      try? FileManager.default.removeItem(atPath: folder.log)
    }
    try Folders.create(folder.path)
  }

  /// Copies the trainer's whole state and has it written as the newest checkpoint in the background.
  private func save(_ trainer: Trainer, _ progress: inout Progress) throws {
    let checkpoint = TrainingCheckpoint(trainer: trainer, config: config, epochSums: progress.sums)
    let (checkpoints, layout, step, keep) = (folder.checkpoints, trainer.parameters.entries, trainer.globalStep, plan.keep)
    try writer.submit { _ = try checkpoints.save(checkpoint.file(layout: layout), step: step, keep: keep) }
    progress.lastCheckpoint = checkpoints.filePath(step: step)
  }

  /// Trains the rest of the current epoch; returns the signal that stopped it, if one did (its state saved).
  private func trainEpoch(_ trainer: Trainer, data: Data, progress: inout Progress) throws -> Int32? {
    let epoch = trainer.epoch
    let batchSize = config.training.batchSize
    let meter = ProgressMeter(
      "epoch \(epoch + 1)/\(config.training.epochs)", total: Int64(data.count), unit: .items("samples"), console: console)
    meter.update(completed: Int64(min(trainer.stepInEpoch * batchSize, data.count)))
    let startClock = ProgressMeter.monotonicSeconds()
    let startSeconds = progress.sums.seconds
    while trainer.epoch == epoch {
      let batch = min(batchSize, data.count - trainer.stepInEpoch * batchSize)
      let report = trainer.step()
      guard report.isFinite else {
        console.clearBar()
        throw StageError.nonFiniteLoss(
          step: trainer.globalStep, epoch: epoch + 1, loss: report.total,
          lastGood: progress.lastCheckpoint.isEmpty ? nil : progress.lastCheckpoint)
      }
      progress.sums.add(report, images: batch)
      progress.sums.seconds = startSeconds + ProgressMeter.monotonicSeconds() - startClock
      meter.update(completed: Int64(progress.sums.images), extra: "loss " + TrainingLog.format(progress.sums.mean.total))
      if let signal = trap?.caught {
        try save(trainer, &progress)
        try writer.wait()
        console.clearBar()
        return signal
      }
      if plan.checkpointEvery > 0, trainer.globalStep % plan.checkpointEvery == 0, trainer.epoch == epoch {
        try save(trainer, &progress)
      }
    }
    return nil
  }

  /// At an epoch's end: the test loss, the log row, the snapshot, the checkpoint and the summary line.
  private func finishEpoch(
    _ trainer: Trainer, data: Data, snapshots: ReconstructionSnapshots.Recorder?, progress: inout Progress
  ) throws {
    let epoch = trainer.epoch - 1
    let test = try trainer.evaluate(
      images: data.testInputs, targets: data.testTargets, count: data.testCount, conditions: data.testConditions)
    let sums = progress.sums
    let row = TrainingLog.Row(
      epoch: epoch + 1, step: trainer.globalStep, train: sums.mean, test: test, seconds: sums.seconds,
      samplesPerSecond: sums.images / max(sums.seconds, 1e-9))
    progress.log.rows.append(row)
    progress.sums = TrainingCheckpoint.EpochSums()
    // The log first: a crash between the two leaves a row that the resume
    // (from the checkpoint before) drops and writes again.
    try progress.log.write(to: folder.log)
    try snapshots?.record(trainer.model)
    try save(trainer, &progress)
    // Our own summary rather than the progress reporter's: a resumed epoch's
    // rate must count only the time and images of this epoch, across processes.
    console.clearBar()
    console.line(
      "epoch \(epoch + 1)/\(config.training.epochs): train \(Self.describe(row.train)), test \(Self.describe(row.test)) nats/image; "
        + "\(ProgressMeter.seconds(row.seconds)), \(Int(row.samplesPerSecond.rounded())) samples/s")
  }

  static func describe(_ loss: LossReport) -> String {
    "\(TrainingLog.format(loss.total)) (recon \(TrainingLog.format(loss.recon)), KL \(TrainingLog.format(loss.kl)))"
  }
}
