import ArgumentParser
import Compute
import DataFiles
import Foundation
import Models

/// `vae-bench`: how fast the training step runs, against what BLAS allows.
public struct BenchCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-bench",
    abstract: "Time the VAE training step on real MNIST and compare it with cblas_sgemm at the same shapes.",
    discussion: """
      For each model and thread count: samples/s of the whole training step (forward, backward, \
      Adam), the GFLOP/s its matrix products achieve, and the GEMM-bound rate: the samples/s the \
      step would reach if it did nothing but its GEMMs at the speed cblas_sgemm shows for the same \
      shapes, timed in the same run. Their ratio is the figure to raise (1.0 means no overhead \
      outside the GEMMs). Medians over --rounds rounds. Build with -c release.

      Models: bench = 784-400-20 (the pytorch/examples VAE), large = 784-512-256-20.

      --arch conv times the convolutional VAE (--channels, latent 20, no dense hidden layers) \
      against the MLP bench model, interleaved per thread count, and prints their samples/s ratio \
      (conv / bench), taken within the same run.

      Example: swift run -c release vae-bench --threads 1,2
      Example: swift run -c release vae-bench --arch conv --channels 16,32
      """)

  @Option(help: "Folder with train-images.idx (from vae-decompress).")
  public var data: String = ArtifactPaths.data(.mnist)

  @Option(help: "Models to time, comma-separated: bench, large (default bench,large; --arch mlp only).")
  public var models: String?

  @Option(help: "Layer family: mlp (the --models) or conv (the conv VAE against the bench model).")
  public var arch: Architecture = .mlp

  @Option(help: "With --arch conv: output channels of the stride-2 convolutions, comma-separated (default \(VAEConfig.defaultConvChannels.map(String.init).joined(separator: ","))).")
  public var channels: String?

  @Option(help: "Thread counts to time, comma-separated.")
  public var threads: String = "1,2"

  @Option(help: "Training steps per round.")
  public var steps: Int = 100

  @Option(help: "Rounds; medians are reported.")
  public var rounds: Int = 5

  @Option(help: "Images per step.")
  public var batch: Int = 128

  public init() {}

  static let known: [String: VAEConfig] = [
    "bench": VAEConfig(hidden: [400], latent: 20),
    "large": VAEConfig(hidden: [512, 256], latent: 20),
  ]

  func parsedModels() throws -> [(String, VAEConfig)] {
    if arch == .conv {
      var conv = VAEConfig.conv
      if let channels {
        let counts = channels.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...VAEConfig.maxChannels).contains($0!) }) else {
          throw ValidationError("--channels must be comma-separated channel counts 1...\(VAEConfig.maxChannels), e.g. 16,32; got \"\(channels)\"")
        }
        conv.channels = counts.compactMap { $0 }
        do { try conv.validate() } catch { throw ValidationError("--channels \(channels): \(error)") }
      }
      return [("bench", VAEConfig.bench), ("conv", conv)]
    }
    if channels != nil { throw ValidationError("--channels applies to --arch conv") }
    // Empty entries are refused: `--models ''` used to time nothing and exit 0.
    return try (models ?? "bench,large").split(separator: ",", omittingEmptySubsequences: false).map { name in
      guard let config = Self.known[String(name)] else {
        throw ValidationError("--models: unknown model \"\(name)\"; known: bench, large")
      }
      return (String(name), config)
    }
  }

  func parsedThreads() throws -> [Int] {
    try threads.split(separator: ",", omittingEmptySubsequences: false).map {
      guard let n = Int($0), (1...256).contains(n) else { throw ValidationError("--threads: \"\($0)\" is not 1...256") }
      return n
    }
  }

  public func validate() throws {
    if arch == .conv, models != nil { throw ValidationError("--models applies to --arch mlp; --arch conv times the conv model against bench") }
    _ = try parsedModels()
    _ = try parsedThreads()
    guard steps >= 1, rounds >= 1, batch >= 1 else { throw ValidationError("--steps, --rounds and --batch must be at least 1") }
    guard batch <= TrainingConfig.maxBatchSize else {
      throw ValidationError("--batch must be at most \(TrainingConfig.maxBatchSize) (the limit), got \(batch)")
    }
  }

  public func run() throws {
    try StageError.reporting {
      let images = try DigitSet.loadImages(folder: data, split: .train)
      try BLAS.load()
      print("OpenBLAS kernels: \(BLAS.coreName)\(BLAS.coreTypeSetHere ? " (OPENBLAS_CORETYPE set by DigitVAE)" : "")")
      print("model            threads  samples/s  step GF/s  sgemm GF/s  GEMM-bound samples/s  ratio")
      let models = try parsedModels()
      let threadCounts = try parsedThreads()
      var rates: [String: [Int: Double]] = [:]
      func time(_ name: String, _ config: VAEConfig, threads threadCount: Int) throws {
        let report = try Benchmark.run(
          images: images.scalars, count: images.itemCount, config: config, batch: batch, steps: steps,
          threads: threadCount, rounds: rounds)
        rates[name, default: [:]][threadCount] = report.samplesPerSecond
        let sgemm = report.flopsPerStep / report.gemmSecondsPerStep / 1e9
        print(
          Self.label(name, config).padding(toLength: 17, withPad: " ", startingAt: 0)
            + String(threadCount).leftPad(7) + Self.fixed(report.samplesPerSecond, 0).leftPad(11)
            + Self.fixed(report.achievedGFLOPs, 1).leftPad(11) + Self.fixed(sgemm, 1).leftPad(12)
            + Self.fixed(report.gemmBoundSamplesPerSecond, 0).leftPad(22) + Self.fixed(report.ratio, 2).leftPad(7))
      }
      if arch == .conv {
        // Interleaved, so that each ratio compares two runs under the same machine load.
        for threadCount in threadCounts {
          for (name, config) in models { try time(name, config, threads: threadCount) }
        }
        for threadCount in threadCounts {
          let ratio = (rates["conv"]?[threadCount] ?? 0) / max(rates["bench"]?[threadCount] ?? 1, 1e-9)
          print("conv / bench samples/s at \(threadCount) thread\(threadCount == 1 ? "" : "s"): \(Self.fixed(ratio, 2))")
        }
      } else {
        for (name, config) in models {
          for threadCount in threadCounts { try time(name, config, threads: threadCount) }
        }
      }
    }
  }

  /// "bench 784-400-20", or for a conv model "conv 16,32-20" (channels, hidden widths, latent).
  static func label(_ name: String, _ config: VAEConfig) -> String {
    if config.arch == .conv {
      return "\(name) " + ([config.channels.map(String.init).joined(separator: ",")] + (config.hidden + [config.latent]).map(String.init))
        .joined(separator: "-")
    }
    return "\(name) " + ([config.inputSize] + config.hidden + [config.latent]).map(String.init).joined(separator: "-")
  }

  static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

extension String {
  fileprivate func leftPad(_ width: Int) -> String {
    count >= width ? " " + self : String(repeating: " ", count: width - count) + self
  }
}
