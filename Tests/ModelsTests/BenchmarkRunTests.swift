import Compute
import Foundation
import Models
import Testing
import TestSupport

/// The benchmark on random images, run only with BENCH=1 (use a release build:
/// `BENCH=1 swift test -c release --filter BenchmarkRunTests`). Prints a table.
@Suite struct BenchmarkRunTests {
  @Test func shapesOfTheBenchModel() {
    let shapes = Benchmark.gemmShapes(config: .bench, batch: 128)
    let flops = shapes.reduce(0) { $0 + $1.flops * Double($1.callsPerStep) }
    // By hand: forward 2*128*(784*400 + 2*400*20 + 20*400 + 400*784) = 166,707,200;
    // backward weight grads the same; input grads without the first layer:
    // 2*128*(2*20*400 + 400*20 + 784*400) = 86,425,600. Total 419,840,000.
    #expect(flops == 419_840_000, "seen \(flops)")
  }

  @Test func shapesOfTheDefaultConvModel() {
    let shapes = Benchmark.gemmShapes(config: .conv, batch: 128)
    let flops = shapes.reduce(0) { $0 + $1.flops * Double($1.callsPerStep) }
    // By hand, 2 m n k per product (rows m = 128 x output pixels of a convolution, or input
    // pixels of a transposed one): conv 0 [25088, 16] x [16, 8] = 6,422,528, forward and dW
    // only; conv 1 [6272, 128] x [128, 32] = 51,380,224 three times; each head
    // [128, 1568] x [1568, 20] = 8,028,160 three times; decoder.project the same three times;
    // deconv 0 [6272, 32] x [32, 128] = 51,380,224 three times; out [25088, 8] x [8, 16] =
    // 6,422,528 three times. Total 412,647,424.
    #expect(flops == 412_647_424, "seen \(flops)")
    // Channel-major: conv 0's forward product is W^T [8, 16] x cols [16, 25088].
    #expect(shapes.contains { $0.m == 8 && $0.n == 25088 && $0.k == 16 && $0.transposeA && !$0.transposeB })
  }

  @Test func aSmallRunReportsConsistentFigures() throws {
    let config = VAEConfig(inputSize: 64, hidden: [32], latent: 4)
    var generator = Xoshiro256(seed: 2)
    let images = (0..<(40 * 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    let r = try Benchmark.run(images: images, count: 40, config: config, batch: 16, steps: 2, threads: 2, rounds: 1)
    let flops = Benchmark.gemmShapes(config: config, batch: 16).reduce(0) { $0 + $1.flops * Double($1.callsPerStep) }
    #expect(r.flopsPerStep == flops)
    #expect(r.stepSeconds > 0 && r.ratio > 0 && r.shapes.allSatisfy { $0.referenceGFLOPs > 0 })
    #expect(abs(r.samplesPerSecond * r.stepSeconds - 16) < 1e-6)
    #expect(abs(r.achievedGFLOPs - flops / r.stepSeconds / 1e9) < 1e-6 * r.achievedGFLOPs)
    #expect(!r.coreName.isEmpty)
  }

  /// The importance-weighted decoding figure: the decoder's FLOPs per row counted from the
  /// widths (bench: 2 (20 x 400 + 400 x 784) = 643,200), and the bound and ratio consistent.
  @Test func importanceDecodingCountsTheDecoderFLOPs() throws {
    var generator = Xoshiro256(seed: 3)
    let images = (0..<(10 * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    let r = try Benchmark.importanceDecoding(
      config: .bench, images: images, imageCount: 10, threads: 2, rounds: 1, batch: 100, rows: 600, samplesPerImage: 100)
    #expect(r.flopsPerRow == 643_200)
    #expect(r.rowsPerSecond > 0 && r.fmaPeakGFLOPs > 0)
    #expect(abs(r.fmaBoundRowsPerSecond - 2 * r.fmaPeakGFLOPs * 1e9 / 643_200) < 1e-6 * r.fmaBoundRowsPerSecond)
    // One round: its ratio is its rate over its own bound.
    #expect(abs(r.fmaRatio - r.rowsPerSecond / r.fmaBoundRowsPerSecond) < 1e-9)
  }

  @Test(.enabled(if: ManualRun.setting("BENCH") != nil, "a benchmark, run by hand with BENCH=1"))
  func benchmark() throws {
    let count = 4096
    var generator = Xoshiro256(seed: 1)
    let images = (0..<(count * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    let configs: [VAEConfig] = [.bench, VAEConfig(hidden: [512, 256])]
    let threading = Parallel.GEMMThreading(rawValue: ProcessInfo.processInfo.environment["GEMM_THREADING"] ?? "split") ?? .split
    for config in configs {
      for threads in [1, 2] {
        let r = try Benchmark.run(
          images: images, count: count, config: config, batch: 128, steps: 30, threads: threads, gemmThreading: threading)
        print(
          String(
            format: "BENCH %@ threads %d (\(threading.rawValue)) core %@: %.0f samples/s, step %.3f ms, %.1f GF/s; GEMM-bound %.0f samples/s (%.3f ms); ratio %.2f",
            "\(config.inputSize)-\(config.hidden.map(String.init).joined(separator: "-"))-\(config.latent)", threads,
            r.coreName, r.samplesPerSecond, r.stepSeconds * 1e3, r.achievedGFLOPs, r.gemmBoundSamplesPerSecond,
            r.gemmSecondsPerStep * 1e3, r.ratio))
        for s in r.shapes {
          print(String(format: "BENCH   [%d,%d,%d] %@%@ x%d: %.1f GF/s (%@)", s.m, s.n, s.k, s.transposeA ? "T" : "N", s.transposeB ? "T" : "N", s.callsPerStep, s.referenceGFLOPs, s.fasterThreading.rawValue))
        }
      }
    }
  }
}

/// A loop of training steps for a profiler, run only with PROFILE=<threads>.
@Test(.enabled(if: ManualRun.setting("PROFILE").flatMap { Int($0) } != nil, "for a profiler, run by hand with PROFILE=<threads>"))
func profileLoop() throws {
  let threads = try #require(ManualRun.setting("PROFILE").flatMap { Int($0) })
  let count = 4096
  var generator = Xoshiro256(seed: 1)
  let images = (0..<(count * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
  let trainer = try Trainer(model: .bench, training: TrainingConfig(threads: threads), images: images, count: count)
  for _ in 0..<600 { trainer.step() }
}

/// Steps of a small model for counting heap allocations with valgrind, run only with
/// ALLOC_STEPS=<steps> (compare the "total heap usage" of two step counts).
@Test(.enabled(if: ManualRun.setting("ALLOC_STEPS").flatMap { Int($0) } != nil, "for valgrind, run by hand with ALLOC_STEPS=<steps>"))
func allocationLoop() throws {
  let steps = try #require(ManualRun.setting("ALLOC_STEPS").flatMap { Int($0) })
  let threads = Int(ProcessInfo.processInfo.environment["THREADS"] ?? "2") ?? 2
  var generator = Xoshiro256(seed: 1)
  let images = (0..<(64 * 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
  // ALLOC_ARCH=conv counts a conv model's steps instead.
  let conv = ProcessInfo.processInfo.environment["ALLOC_ARCH"] == "conv"
  let config =
    conv
    ? VAEConfig(inputSize: 64, hidden: [16], latent: 4, dropout: 0.1, condition: 0, arch: .conv, channels: [4, 8])
    : VAEConfig(inputSize: 64, hidden: [32, 16], latent: 4, dropout: 0.1)
  let trainer = try Trainer(model: config, training: TrainingConfig(batchSize: 16, threads: threads), images: images, count: 64)
  for _ in 0..<steps { trainer.step() }
}
