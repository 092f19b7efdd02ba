import ArgumentParser
import Compute
import DataFiles
import Foundation
import Models
import Runs
import Terminal

/// `vae-bench`: how fast the training step runs, against what BLAS allows.
public struct BenchCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-bench",
    abstract: "Time the VAE training step on real MNIST and compare it with cblas_sgemm at the same shapes.",
    discussion: """
      For each model and thread count: samples/s of the whole training step (forward, backward, \
      Adam), the GFLOP/s its matrix products achieve, and two bounds timed in the same run: the \
      sgemm bound (the samples/s the step would reach if it did nothing but its GEMMs at the speed \
      cblas_sgemm shows for the same shapes) and the FMA bound (the step's dense matrix FLOPs at \
      the FMA peak of a plain fused multiply-add loop, one core's peak times the threads, the \
      peak measured again after each round's steps, since these virtual machines change speed \
      from minute to minute). The \
      step's fraction of each is printed (/sgemm, /FMA). The first layer skips zero pixels, so \
      the step does fewer FLOPs than it is charged and /FMA may pass /sgemm. Then an epoch of \
      vae-train's own loop (TrainStage, checkpoints every --checkpoint-every steps, in a \
      temporary folder; the second of two epochs is timed) gives the trainer's samples/s and its ratio to the step's \
      (the mean of the step's rate before the epoch and again right after it). Medians over \
      --rounds rounds. The first lines state the CPU, the load average and both FMA peaks at \
      the start \
      (one core, and all the threads at once: their ratio shows how free the other cores \
      were). Last (MLP models), a second table times the importance-weighted bound's inner \
      loop (vae-eval --iw-samples): 4,000 random latent codes decoded 500 at a time and scored \
      against images, in rows/s and against the FMA bound of the decoder's FLOPs. The step's \
      products run on DigitVAE's own kernel (dv_gemm), or on cblas_sgemm with \
      DIGITVAE_GEMM=openblas; the header says which. Build with -c release.

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

  @Option(help: "Training images in the timed vae-train epoch (0 skips it; default: the whole training set).")
  public var epochImages: Int?

  @Option(help: "Checkpoint cadence of the timed vae-train epoch, in steps (vae-train's default).")
  public var checkpointEvery: Int = 500

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
    if let epochImages, epochImages < 0 { throw ValidationError("--epoch-images must be 0 or more, got \(epochImages)") }
    guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
  }

  public func run() throws {
    try StageError.reporting {
      let images = try DigitSet.loadImages(folder: data, split: .train)
      try BLAS.load()
      let models = try parsedModels()
      let threadCounts = try parsedThreads()
      print("CPU: \(Self.cpuDescription()); load average \(Self.loadAverage())")
      print(
        "OpenBLAS kernels: \(BLAS.coreName)\(BLAS.coreTypeSetHere ? " (OPENBLAS_CORETYPE set by DigitVAE)" : ""); "
          + "C kernels: \(FMAPeak.instructionSet); step GEMMs: "
          + (Parallel.GEMMKernel.fromEnvironment == .own ? "dv_gemm" : "cblas_sgemm (DIGITVAE_GEMM=openblas)"))
      let peak = FMAPeak.measure(threads: 1)
      var peaks = "FMA peak: one core \(Self.fixed(peak, 1)) GF/s"
      for threadCount in Set(threadCounts).sorted() where threadCount > 1 {
        let all = FMAPeak.measure(threads: threadCount)
        peaks += "; \(threadCount) threads at once \(Self.fixed(all, 1)) GF/s (\(Self.fixed(all / (Double(threadCount) * peak), 2)) of \(threadCount) x one core)"
      }
      print(peaks)
      print(
        "model            threads  samples/s  step GF/s  sgemm GF/s  sgemm-bound  /sgemm  FMA-bound   /FMA  trainer samples/s  trainer/step")
      var rates: [String: [Int: Double]] = [:]
      func time(_ name: String, _ config: VAEConfig, threads threadCount: Int) throws {
        let report = try Benchmark.run(
          images: images.scalars, count: images.itemCount, config: config, batch: batch, steps: steps,
          threads: threadCount, rounds: rounds)
        rates[name, default: [:]][threadCount] = report.samplesPerSecond
        let sgemm = report.flopsPerStep / report.gemmSecondsPerStep / 1e9
        var trainer = ""
        if epochImages != 0 {
          let rate = try Self.trainerRate(
            config: config, data: data, batch: batch, threads: threadCount, images: epochImages,
            checkpointEvery: checkpointEvery)
          // The step again right after the epoch: the ratio is taken against the mean of the
          // step's rate before and after, so that a change of the machine's speed during the
          // epoch does not pass for the trainer's overhead.
          let after = try Benchmark.run(
            images: images.scalars, count: images.itemCount, config: config, batch: batch, steps: steps,
            threads: threadCount, rounds: 1, fmaPeakGFLOPs: report.fmaPeakGFLOPs)
          let step = (report.samplesPerSecond + after.samplesPerSecond) / 2
          trainer = Self.fixed(rate, 0).leftPad(19) + Self.fixed(rate / step, 2).leftPad(14)
        }
        print(
          Self.label(name, config).padding(toLength: 17, withPad: " ", startingAt: 0)
            + String(threadCount).leftPad(7) + Self.fixed(report.samplesPerSecond, 0).leftPad(11)
            + Self.fixed(report.achievedGFLOPs, 1).leftPad(11) + Self.fixed(sgemm, 1).leftPad(12)
            + Self.fixed(report.gemmBoundSamplesPerSecond, 0).leftPad(13) + Self.fixed(report.ratio, 2).leftPad(8)
            + Self.fixed(report.fmaBoundSamplesPerSecond, 0).leftPad(11) + Self.fixed(report.fmaRatio, 2).leftPad(7)
            + trainer)
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
        print(
          "importance-weighted bound's decoding (vae-eval --iw-samples: 4,000 latent rows, 500 per pass, each decoded and scored)")
        print("model            threads     rows/s  decoder GF/s  FMA-bound   /FMA")
        for (name, config) in models {
          for threadCount in threadCounts {
            let report = try Benchmark.importanceDecoding(
              config: config, images: images.scalars, imageCount: images.itemCount, threads: threadCount, rounds: rounds)
            print(
              Self.label(name, config).padding(toLength: 17, withPad: " ", startingAt: 0)
                + String(threadCount).leftPad(7) + Self.fixed(report.rowsPerSecond, 0).leftPad(11)
                + Self.fixed(report.rowsPerSecond * report.flopsPerRow / 1e9, 1).leftPad(14)
                + Self.fixed(report.fmaBoundRowsPerSecond, 0).leftPad(11) + Self.fixed(report.fmaRatio, 2).leftPad(7))
          }
        }
      }
      print("load average at the end: \(Self.loadAverage())")
    }
  }

  /// The samples/s of the second of two epochs of vae-train's own loop (``TrainStage``:
  /// gather, step, progress, a checkpoint every `checkpointEvery` steps; on all of MNIST at
  /// batch 128 the step-500 checkpoint falls in epoch 2, which also overlaps the writing of
  /// epoch 1's), as its log.csv records them, in a temporary run folder removed afterwards.
  static func trainerRate(
    config: VAEConfig, data: String, batch: Int, threads: Int, images: Int?, checkpointEvery: Int
  ) throws -> Double {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vae-bench-\(UUID().uuidString)").path
    try Folders.create(folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var run = RunConfig(
      model: config, training: TrainingConfig(batchSize: batch, epochs: 2, threads: threads), data: data, limit: images)
    (run.checkpointEvery, run.keep) = (checkpointEvery, 3)
    let silent = Console(isTerminal: false, line: { _ in }, bar: { _ in })
    _ = try TrainStage(plan: .init(config: run, folder: RunFolder(path: folder)), console: silent).run()
    guard let row = try TrainingLog.read(from: folder + "/log.csv").rows.last else {
      throw StageError.other("the timed vae-train epoch wrote no log row")
    }
    return row.samplesPerSecond
  }

  /// "AMD EPYC (family 25, model 17), 2 cores", from /proc/cpuinfo.
  static func cpuDescription() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    func field(_ name: String) -> String? {
      info.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { line in
        line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
      }
    }
    let family = field("cpu family").map { "family \($0), " } ?? ""
    let model = field("model\t").map { "model \($0)" } ?? ""
    return "\(field("model name") ?? "unknown") (\(family)\(model)), \(ProcessInfo.processInfo.activeProcessorCount) cores"
  }

  /// The 1, 5 and 15 minute load averages from /proc/loadavg.
  static func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
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
