import Checkpoints
import Foundation
import Models

/// The checks a checkpoint passes beyond its CRC and tensor shapes, so that no
/// value read from a file can make training or inference trap or silently
/// misbehave. `RunCheckpoint` runs them for every stage (verify, info,
/// resume, eval, render), so they all accept and refuse the same files.
extension TrainingCheckpoint {
  /// The largest epoch, step or Adam step a checkpoint may hold: far beyond any real run
  /// (2^40 steps of one image each), far below where Int arithmetic on them could overflow.
  public static let maxCounter = 1 << 40

  /// Checks the training state's counters, generator and running sums; `path` names the file.
  func validateState(path: String) throws {
    func bad(_ reason: String) -> RunError { .badCheckpoint(path: path, reason: reason) }
    let s = state
    for (name, value) in [
      ("train.epoch", s.epoch), ("train.step_in_epoch", s.stepInEpoch), ("train.global_step", s.globalStep),
      ("adam.step", s.adamStep),
    ] where !(0...Self.maxCounter).contains(value) {
      throw bad("tensor \"\(name)\" is \(value), expected 0...\(Self.maxCounter)")
    }
    guard s.stepInEpoch <= s.globalStep else {
      throw bad("train.step_in_epoch \(s.stepInEpoch) is more than train.global_step \(s.globalStep)")
    }
    guard s.adamStep <= s.globalStep else {
      throw bad("adam.step \(s.adamStep) is more than train.global_step \(s.globalStep) (Adam steps at most once per batch)")
    }
    guard s.generator.contains(where: { $0 != 0 }) else {
      throw bad("tensor \"train.generator\" is all zero, which is not a xoshiro256** state")
    }
    let sums = [epochSums.total, epochSums.recon, epochSums.kl, epochSums.images, epochSums.seconds]
    guard sums.allSatisfy(\.isFinite), epochSums.images >= 0, epochSums.seconds >= 0 else {
      throw bad("tensor \"train.epoch_sums\" holds \(sums), expected finite sums and a count and time of 0 or more")
    }
    try Self.checkFinite(adamM, "adam.m", path: path)
    try Self.checkFinite(adamV, "adam.v", path: path)
    if let negative = adamV.firstIndex(where: { $0 < 0 }) {
      throw bad("Adam's second moment is \(adamV[negative]) at value \(negative); it is a mean of squares, never below 0")
    }
    if let step = CheckpointFolder.step(fromFileName: (path as NSString).lastPathComponent), step != s.globalStep {
      throw bad("the file is named for step \(step) but holds train.global_step \(s.globalStep)")
    }
  }

  /// Throws unless every value of `values` (`what`: parameters, adam.m, ...) is finite.
  static func checkFinite(_ values: [Float], _ what: String, path: String) throws {
    let nonFinite = values.lazy.filter { !$0.isFinite }.count
    guard nonFinite == 0 else {
      throw RunError.badCheckpoint(path: path, reason: "\(nonFinite) \(what) values are NaN or infinite")
    }
  }

  /// Throws unless `file` holds exactly the tensors of its schema (model tensors, and for a
  /// training checkpoint Adam's moments and the six training tensors) and its metadata kind is the config's.
  static func checkSchema(_ file: SafeTensorsFile, config: RunConfig, layout: ParameterSet, path: String) throws {
    let training = file.metadata["content"] == "training"
    let expected = layout.entries.count * (training ? 3 : 1) + (training ? 6 : 0)
    guard file.tensors.count == expected else {
      throw RunError.badCheckpoint(
        path: path,
        reason: "holds \(file.tensors.count) tensors, but a \(training ? "training checkpoint" : "weights file") of this config has \(expected)")
    }
    if let kind = file.metadata["kind"], kind != config.kind.rawValue {
      throw RunError.badCheckpoint(path: path, reason: "metadata kind is \"\(kind)\" but its config is a \(config.kind.rawValue) model")
    }
  }
}
