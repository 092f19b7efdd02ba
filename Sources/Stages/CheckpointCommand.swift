import ArgumentParser
import Checkpoints
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Terminal

/// `vae-checkpoint`: look into, verify and export checkpoints.
public struct CheckpointCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-checkpoint",
    abstract: "Show, verify or export a vae-train checkpoint (a safetensors file).",
    discussion: "Example: vae-checkpoint verify artifacts/runs/vae/checkpoints/step-00004690.safetensors",
    subcommands: [Info.self, Verify.self, Export.self])

  public init() {}

  /// A checkpoint read, CRC-checked and matched against the model its config describes.
  struct Loaded {
    var checkpoint: RunCheckpoint
    var parameters: [Float]
    var file: SafeTensorsFile { checkpoint.file }

    init(path: String) throws {
      checkpoint = try RunCheckpoint.open(path)
      parameters = try checkpoint.parameters()
      if checkpoint.holdsTrainingState { _ = try checkpoint.trainingState() }
    }
  }

  public struct Info: ParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Print a checkpoint's config, position in training, tensors and size.")

    @Argument(help: "The checkpoint file.") public var path: String

    public init() {}

    public func run() throws {
      try StageError.reporting {
        let file = try SafeTensorsFile.read(from: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var lines = ["\(path): \(ProgressMeter.bytes(Int64(size))), \(file.tensors.count) tensors, content \(file.metadata["content"] ?? "unknown")"]
        if let epoch = file["train.epoch"].flatMap({ try? $0.int64s().first }),
          let step = file["train.global_step"].flatMap({ try? $0.int64s().first }),
          let inEpoch = file["train.step_in_epoch"].flatMap({ try? $0.int64s().first })
        {
          lines.append("position: \(epoch) epochs done, step \(step) (\(inEpoch) into the next epoch)")
        }
        if let crc = file.metadata[SafeTensorsFile.checksumKey] { lines.append("data CRC-32: \(crc)") }
        let threads = file.metadata["config"].flatMap { try? RunConfig.parse($0, source: path) }?.training.threads
        lines.append(
          "trained with: \(file.metadata[TrainingCheckpoint.kernelsKey].map(Parallel.describeKernels) ?? "(not recorded)") kernels, "
            + "\(threads.map { "\($0) thread\($0 == 1 ? "" : "s")" } ?? "threads unknown"); resuming is bitwise exact under the same two")
        lines.append("tensors:")
        let width = file.tensors.map(\.name.count).max() ?? 0
        for tensor in file.tensors {
          let shape = "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]"
          lines.append("  " + tensor.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(tensor.dtype.rawValue) \(shape)")
        }
        lines.append("config:")
        lines.append(file.metadata["config"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "(none)")
        print(lines.joined(separator: "\n"))
        // info shows what it can read of any file, and says when the validator would refuse it.
        do { _ = try RunCheckpoint(file: file, path: path) } catch {
          Console.standard.warning("vae-checkpoint: warning: verify and resume would refuse this file: \(StageError.flattening(error))")
        }
      }
    }
  }

  public struct Verify: ParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Check a checkpoint's CRC-32, header and tensor shapes against its config; exit 1 on any fault.")

    @Argument(help: "The checkpoint file.") public var path: String

    public init() {}

    public func run() throws {
      try StageError.reporting {
        let loaded = try Loaded(path: path)
        let nonFinite = loaded.parameters.filter { !$0.isFinite }.count
        guard nonFinite == 0 else {
          throw RunError.badCheckpoint(path: path, reason: "\(nonFinite) parameter values are NaN or infinite")
        }
        print("\(path): ok (CRC-32 \(loaded.file.metadata[SafeTensorsFile.checksumKey] ?? "?"), \(loaded.file.tensors.count) tensors match the config)")
      }
    }
  }

  public struct Export: ParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Write the model's weights and config only (no optimiser or training state) for inference.",
      discussion: """
        The export holds one F32 tensor per layer, weights stored [in, out] so that a layer is \
        y = x @ W + b, and the run config in __metadata__["config"]. See docs/FORMATS.md for the names; \
        in Python: safetensors.numpy.load_file(path).
        """)

    @Argument(help: "The checkpoint file.") public var path: String
    @Option(help: "Where to write the weights-only safetensors file.") public var out: String

    public init() {}

    public func validate() throws {
      // An export is weights only: written over a training checkpoint it would end the run's resumability.
      let input = URL(fileURLWithPath: path).standardizedFileURL.path
      let output = URL(fileURLWithPath: out).standardizedFileURL
      if output.path == input {
        throw ValidationError("--out \(out) is the checkpoint being exported; choose another file")
      }
      if output.deletingLastPathComponent().lastPathComponent == "checkpoints" {
        throw ValidationError("--out \(out) is inside a run's checkpoints/ folder, where vae-train keeps its training checkpoints; choose another folder")
      }
    }

    public func run() throws {
      try StageError.reporting {
        let loaded = try Loaded(path: path)
        let weights = TrainingCheckpoint.file(
          config: loaded.checkpoint.config, layout: loaded.checkpoint.layout.entries, parameters: loaded.parameters,
          kernels: loaded.file.metadata[TrainingCheckpoint.kernelsKey])
        try weights.write(to: out)
        print("vae-checkpoint: wrote \(out) (\(weights.tensors.count) tensors, weights only)")
      }
    }
  }
}
