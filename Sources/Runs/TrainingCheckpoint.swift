import Checkpoints
import Compute
import Models

/// How a run's state maps to safetensors tensors (see docs/FORMATS.md, "Checkpoints").
///
/// Tensor names:
/// - every model tensor under its own name ("encoder.0.weight" [in, out], ...), F32;
/// - "adam.m.<name>", "adam.v.<name>": Adam's moments, same shapes, F32;
/// - "train.epoch", "train.step_in_epoch", "train.global_step", "adam.step": I64 scalars;
/// - "train.generator": U64 [4], the xoshiro256** state;
/// - "train.epoch_sums": F64 [5], the running sums of the epoch in progress
///   (total, recon, kl, images, seconds), so a resumed epoch reports the same loss.
/// Metadata: "format", "kind", "content" ("training" or "weights"), "config" (RunConfig JSON)
/// and "blas_kernels" (the GEMM kernels that trained it: "dv_gemm", or the OpenBLAS kernel
/// family under DIGITVAE_GEMM=openblas and in files from before dv_gemm; absent in older files).
public struct TrainingCheckpoint {
  public static let format = "digitvae.checkpoint/1"
  /// The metadata key naming the BLAS kernel family the run was trained with.
  public static let kernelsKey = "blas_kernels"

  /// The running sums of the epoch in progress.
  public struct EpochSums: Equatable, Sendable {
    public var total = 0.0, recon = 0.0, kl = 0.0, images = 0.0, seconds = 0.0
    public init() {}

    public mutating func add(_ report: LossReport, images count: Int) {
      total += report.total * Double(count)
      recon += report.recon * Double(count)
      kl += report.kl * Double(count)
      images += Double(count)
    }

    /// The mean loss per image so far.
    public var mean: LossReport {
      let n = max(images, 1)
      return LossReport(total: total / n, recon: recon / n, kl: kl / n)
    }
  }

  public var config: RunConfig
  public var state: TrainingState
  public var epochSums: EpochSums
  public var parameters: [Float]
  public var adamM: [Float]
  public var adamV: [Float]
  /// The GEMM kernels that computed this state, if recorded: "dv_gemm" (``Parallel/ownKernelsName``),
  /// or an OpenBLAS kernel family ("SkylakeX", "Haswell", ...). Kernels that round differently
  /// make a continuation that is not bitwise equal.
  public var kernels: String?

  /// Captures the trainer's whole state, and the GEMM kernels it runs.
  public init(trainer: Trainer, config: RunConfig, epochSums: EpochSums) {
    self.config = config
    state = trainer.state
    self.epochSums = epochSums
    parameters = trainer.parameters.values.array
    adamM = trainer.optimizer.m.array
    adamV = trainer.optimizer.v.array
    kernels = trainer.model.parallel.gemmKernelsName
  }

  /// The file holding all of it; with `weightsOnly`, just the model tensors and config.
  public static func file(
    config: RunConfig, layout: [ParameterSet.Entry], parameters: [Float], adamM: [Float]? = nil, adamV: [Float]? = nil,
    state: TrainingState? = nil, epochSums: EpochSums? = nil, kernels: String? = nil
  ) -> SafeTensorsFile {
    var tensors: [Tensor] = []
    // 8-byte types first so every tensor stays aligned for zero-copy readers.
    if let state, let epochSums {
      tensors += [
        Tensor(name: "train.epoch", int64s: [Int64(state.epoch)], shape: []),
        Tensor(name: "train.step_in_epoch", int64s: [Int64(state.stepInEpoch)], shape: []),
        Tensor(name: "train.global_step", int64s: [Int64(state.globalStep)], shape: []),
        Tensor(name: "adam.step", int64s: [Int64(state.adamStep)], shape: []),
        Tensor(name: "train.generator", uint64s: state.generator, shape: [state.generator.count]),
        Tensor(
          name: "train.epoch_sums",
          doubles: [epochSums.total, epochSums.recon, epochSums.kl, epochSums.images, epochSums.seconds], shape: [5]),
      ]
    }
    func slice(_ flat: [Float], _ entry: ParameterSet.Entry) -> [Float] {
      Array(flat[entry.offset..<entry.offset + entry.count])
    }
    for entry in layout {
      tensors.append(Tensor(name: entry.name, floats: slice(parameters, entry), shape: entry.shape))
    }
    if let adamM, let adamV {
      for entry in layout { tensors.append(Tensor(name: "adam.m." + entry.name, floats: slice(adamM, entry), shape: entry.shape)) }
      for entry in layout { tensors.append(Tensor(name: "adam.v." + entry.name, floats: slice(adamV, entry), shape: entry.shape)) }
    }
    let content = state == nil ? "weights" : "training"
    var metadata = ["format": format, "kind": config.kind.rawValue, "content": content, "config": config.json()]
    metadata[kernelsKey] = kernels
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// This checkpoint as a file.
  public func file(layout: [ParameterSet.Entry]) -> SafeTensorsFile {
    Self.file(
      config: config, layout: layout, parameters: parameters, adamM: adamM, adamV: adamV, state: state,
      epochSums: epochSums, kernels: kernels)
  }

  /// The run config stored in a checkpoint's metadata; `source` names the file in errors.
  public static func config(of file: SafeTensorsFile, source: String) throws -> RunConfig {
    guard file.metadata["format"] == format else {
      if file.metadata["format"] == Judge.format {
        throw RunError.badCheckpoint(
          path: source, reason: "is a judge classifier (format \"\(Judge.format)\", from vae-classify), not a VAE; pass a vae-train checkpoint")
      }
      throw RunError.badCheckpoint(
        path: source, reason: "metadata format is \(file.metadata["format"].map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\"")
    }
    guard let text = file.metadata["config"] else {
      throw RunError.badCheckpoint(path: source, reason: "no \"config\" in the metadata")
    }
    return try RunConfig.parse(text, source: source + " (metadata config)")
  }

  /// The model tensors of `file` laid out flat for `layout`, checking every name and shape.
  public static func flatten(
    _ file: SafeTensorsFile, prefix: String = "", layout: [ParameterSet.Entry], count: Int, source: String
  ) throws -> [Float] {
    var flat = [Float](repeating: 0, count: count)
    for entry in layout {
      let name = prefix + entry.name
      guard let tensor = file[name] else {
        throw RunError.badCheckpoint(path: source, reason: "tensor \"\(name)\" is missing")
      }
      guard tensor.dtype == .f32, tensor.shape == entry.shape else {
        throw RunError.badCheckpoint(
          path: source,
          reason: "tensor \"\(name)\" is \(tensor.dtype.rawValue) \(tensor.shape), the config needs F32 \(entry.shape)")
      }
      let values = try tensor.floats()
      flat.replaceSubrange(entry.offset..<entry.offset + entry.count, with: values)
    }
    return flat
  }

  /// The value of the I64 scalar tensor `name`; nil when it is missing or not an I64 scalar.
  static func scalar(_ name: String, in file: SafeTensorsFile) -> Int? {
    guard let tensor = file[name], tensor.dtype == .i64, tensor.shape == [], let value = try? tensor.int64s().first else {
      return nil
    }
    return Int(value)
  }

  /// Where in training `file` was written; nil when it holds no training position (a weights-only export).
  static func position(of file: SafeTensorsFile, source: String) throws -> RunCheckpoint.Position? {
    guard let epoch = scalar("train.epoch", in: file), let inEpoch = scalar("train.step_in_epoch", in: file),
      let step = scalar("train.global_step", in: file)
    else { return nil }
    return RunCheckpoint.Position(epoch: epoch, stepInEpoch: inEpoch, globalStep: step)
  }

  /// Reads a training checkpoint back, validating it against `layout` (the model its config describes).
  public static func decode(
    _ file: SafeTensorsFile, layout: [ParameterSet.Entry], count: Int, source: String
  ) throws -> TrainingCheckpoint {
    let config = try config(of: file, source: source)
    guard file.metadata["content"] == "training" else {
      throw RunError.badCheckpoint(path: source, reason: "holds weights only (an export); training cannot resume from it")
    }
    func scalar(_ name: String) throws -> Int {
      guard let value = Self.scalar(name, in: file) else {
        throw RunError.badCheckpoint(path: source, reason: "tensor \"\(name)\" is missing or not an I64 scalar")
      }
      return value
    }
    guard let generator = file["train.generator"], generator.dtype == .u64, generator.shape == [4] else {
      throw RunError.badCheckpoint(path: source, reason: "tensor \"train.generator\" is missing or not U64 [4]")
    }
    guard let sums = file["train.epoch_sums"], sums.dtype == .f64, sums.shape == [5] else {
      throw RunError.badCheckpoint(path: source, reason: "tensor \"train.epoch_sums\" is missing or not F64 [5]")
    }
    let s = try sums.doubles()
    var epochSums = EpochSums()
    (epochSums.total, epochSums.recon, epochSums.kl, epochSums.images, epochSums.seconds) = (s[0], s[1], s[2], s[3], s[4])
    let state = TrainingState(
      epoch: try scalar("train.epoch"), stepInEpoch: try scalar("train.step_in_epoch"),
      globalStep: try scalar("train.global_step"), adamStep: try scalar("adam.step"), generator: try generator.uint64s())
    return TrainingCheckpoint(
      config: config, state: state, epochSums: epochSums,
      parameters: try flatten(file, layout: layout, count: count, source: source),
      adamM: try flatten(file, prefix: "adam.m.", layout: layout, count: count, source: source),
      adamV: try flatten(file, prefix: "adam.v.", layout: layout, count: count, source: source),
      kernels: file.metadata[kernelsKey])
  }

  init(
    config: RunConfig, state: TrainingState, epochSums: EpochSums, parameters: [Float], adamM: [Float], adamV: [Float],
    kernels: String?
  ) {
    self.config = config
    self.state = state
    self.epochSums = epochSums
    self.parameters = parameters
    self.adamM = adamM
    self.adamV = adamV
    self.kernels = kernels
  }

  /// Why continuing this checkpoint here cannot match an uninterrupted run bit
  /// for bit, or nil when it can (the same kernels, or none recorded).
  /// The thread count needs no check here: it is part of the config, and
  /// `RunConfig.conflicts` refuses a different one.
  public func kernelMismatch(running current: String) -> String? {
    guard let kernels, kernels != current else { return nil }
    return "trained with \(Parallel.describeKernels(kernels)) kernels, but this process runs "
      + "\(Parallel.describeKernels(current)) kernels (set by DIGITVAE_GEMM, OPENBLAS_CORETYPE or the CPU): "
      + "the continuation is a valid training but will not be bitwise equal to an uninterrupted run"
  }
}
