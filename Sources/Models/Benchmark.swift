import Compute
import Dispatch

/// Measures the training step against the speed of its own GEMMs; does no I/O.
public enum Benchmark {
  /// The GEMM shapes of one training step of `config` at batch `batch`, in call order.
  ///
  /// Every layer is one matrix product over `rows` rows: B for a dense layer, B S'^2 for a
  /// convolution (its output pixels, k^2 Ci inputs, Co outputs) and B S^2 for a transposed
  /// one (its input pixels, Ci inputs, k^2 Co outputs). The first layer has no input gradient.
  /// A dense layer's products are y = x W, dW = x^T dy and dx = dy W^T; a convolution's
  /// (channel-major, ImageColumns.swift) y^T = W^T x^T, dW = x^T dy with both operands
  /// stored pixels-last, and dx^T = W dy^T: the same FLOPs, the pixels along n or k.
  public static func gemmShapes(config: VAEConfig, batch b: Int) -> [GEMMShape] {
    var layers: [(rows: Int, inputs: Int, outputs: Int, needsInputGrad: Bool, planar: Bool)] = []
    let c = config.condition
    var width = config.inputSize + c
    if config.arch == .conv {
      var (side, channels) = (config.imageSide ?? 0, 1)
      for (i, co) in config.channels.enumerated() {
        side /= 2
        layers.append((b * side * side, 16 * channels, co, i > 0, true))
        channels = co
      }
      width = config.features + c
    }
    for h in config.hidden {
      layers.append((b, width, h, !layers.isEmpty, false))
      width = h
    }
    let headsNeedInputGrad = !layers.isEmpty
    layers.append((b, width, config.latent, headsNeedInputGrad, false))  // mu head
    layers.append((b, width, config.latent, headsNeedInputGrad, false))  // logVar head
    width = config.latent + c
    for h in config.hidden.reversed() {
      layers.append((b, width, h, true, false))
      width = h
    }
    if config.arch == .conv {
      layers.append((b, width, config.features, true, false))  // decoder.project
      var side = config.featureSide
      for j in config.channels.indices.reversed() {
        let (ci, co) = (config.channels[j], j > 0 ? config.channels[j - 1] : 1)
        layers.append((b * side * side, ci, 16 * co, true, true))
        side *= 2
      }
    } else {
      layers.append((b, width, config.inputSize, true, false))
    }
    var shapes: [GEMMShape] = []
    func add(_ m: Int, _ n: Int, _ k: Int, _ ta: Bool, _ tb: Bool) {
      if let i = shapes.firstIndex(where: { $0.m == m && $0.n == n && $0.k == k && $0.transposeA == ta && $0.transposeB == tb }) {
        shapes[i].callsPerStep += 1
      } else {
        shapes.append(GEMMShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb, callsPerStep: 1))
      }
    }
    for layer in layers {
      if layer.planar {
        add(layer.outputs, layer.rows, layer.inputs, true, false)  // y^T = W^T x^T
      } else {
        add(layer.rows, layer.outputs, layer.inputs, false, false)  // y = x W
      }
    }
    for layer in layers {
      if layer.planar {
        add(layer.inputs, layer.outputs, layer.rows, false, true)  // dW = (x^T) (dy^T)^T
        if layer.needsInputGrad { add(layer.inputs, layer.rows, layer.outputs, false, false) }  // dx^T = W dy^T
      } else {
        add(layer.inputs, layer.outputs, layer.rows, true, false)  // dW = x^T dy
        if layer.needsInputGrad { add(layer.rows, layer.inputs, layer.outputs, false, true) }  // dx = dy W^T
      }
    }
    return shapes
  }

  /// Trains on `images` ([count, D] UInt8, e.g. random) for `rounds` rounds of `steps`
  /// steps (after one warm-up round); after each round times every GEMM shape of the
  /// step alone with cblas_sgemm (the faster of one multi-threaded call and one
  /// single-threaded call per thread on a split, see ``Parallel/GEMMThreading``);
  /// reports medians over rounds. `gemmThreading` is the trainer's (the reference
  /// always takes the faster of both).
  ///
  /// Each round also measures one core's FMA peak (``FMAPeak``) right after its steps,
  /// and the FMA ratio is the median of the rounds' own ratios: the virtual machines
  /// these benchmarks run on change speed by up to 1.9x within a minute (one-core peaks
  /// of 127 to 239 GF/s measured in one session), so a peak taken once at the start
  /// could not be compared with steps timed later. `fmaPeakGFLOPs`, when given, is used
  /// for every round instead.
  public static func run(
    images: [UInt8], count: Int, config: VAEConfig, batch: Int, steps: Int, threads: Int, rounds: Int = 7,
    gemmThreading: Parallel.GEMMThreading = .split, fmaPeakGFLOPs: Double? = nil
  ) throws(ModelError) -> BenchReport {
    precondition(steps >= 1 && rounds >= 1, "steps and rounds must be at least 1")
    let trainer = try Trainer(
      model: config, training: TrainingConfig(batchSize: batch, threads: threads), images: images, count: count,
      gemmThreading: gemmThreading)
    var shapes = gemmShapes(config: config, batch: batch)
    let flopsPerStep = shapes.reduce(0) { $0 + $1.flops * Double($1.callsPerStep) }
    // Operands for the reference GEMMs, as large as the largest shape needs.
    let largest = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 1
    let (a, bm, c) = (FloatBuffer(count: largest), FloatBuffer(count: largest), FloatBuffer(count: largest))
    var generator = Xoshiro256(seed: 7)
    for i in 0..<largest {
      a.pointer[i] = generator.nextFloat() - 0.5
      bm.pointer[i] = generator.nextFloat() - 0.5
    }
    // The reference column times cblas_sgemm whatever kernel the trainer uses.
    let modes = Parallel.GEMMThreading.allCases.map {
      Parallel(threads: threads, gemmThreading: $0, gemmKernel: .openBLAS)
    }
    var stepTimes: [Double] = []
    var gemmTimes: [Double] = []
    var ratios: [Double] = []
    var peaks: [Double] = []
    var fmaRatios: [Double] = []
    let flopsPerSample = flopsPerStep / Double(batch)
    var shapeRates = [[Double]](repeating: [], count: shapes.count)
    var modeWins = [[Int]](repeating: [0, 0], count: shapes.count)
    for _ in 0..<steps { trainer.step() }  // warm-up
    // Each round times the steps, then every shape alone right after, so that the
    // ratio compares the two under the same machine load; medians over rounds.
    for _ in 0..<rounds {
      let stepTime = seconds { for _ in 0..<steps { trainer.step() } } / Double(steps)
      var gemmTime = 0.0
      for (i, shape) in shapes.enumerated() {
        let rates = modes.map { gemmRate(shape, mode: $0, a: a, b: bm, c: c) }
        let best = rates.max() ?? 0
        if let winner = rates.firstIndex(of: best) { modeWins[i][winner] += 1 }
        shapeRates[i].append(best)
        gemmTime += shape.flops * Double(shape.callsPerStep) / (best * 1e9)
      }
      let peak = fmaPeakGFLOPs ?? FMAPeak.measure(threads: 1, repeats: 5)
      stepTimes.append(stepTime)
      gemmTimes.append(gemmTime)
      ratios.append(gemmTime / stepTime)
      peaks.append(peak)
      fmaRatios.append((Double(batch) / stepTime) / (Double(threads) * peak * 1e9 / flopsPerSample))
    }
    for i in shapes.indices {
      shapes[i].referenceGFLOPs = median(shapeRates[i])
      shapes[i].fasterThreading = modes[modeWins[i][1] > modeWins[i][0] ? 1 : 0].gemmThreading
    }
    let stepSeconds = median(stepTimes)
    let gemmSeconds = median(gemmTimes)
    var report = BenchReport(
      config: config, batch: batch, threads: threads, coreName: BLAS.coreName, stepSeconds: stepSeconds,
      samplesPerSecond: Double(batch) / stepSeconds, flopsPerStep: flopsPerStep,
      achievedGFLOPs: flopsPerStep / stepSeconds / 1e9, shapes: shapes, gemmSecondsPerStep: gemmSeconds,
      gemmBoundSamplesPerSecond: Double(batch) / gemmSeconds, ratio: median(ratios))
    report.fmaPeakGFLOPs = median(peaks)
    report.fmaBoundSamplesPerSecond = Double(threads) * report.fmaPeakGFLOPs * 1e9 / flopsPerSample
    report.fmaRatio = median(fmaRatios)
    return report
  }

  /// What ``importanceDecoding(config:images:imageCount:threads:rounds:batch:rows:samplesPerImage:)`` measured.
  public struct DecodingReport: Codable, Equatable, Sendable {
    /// Latent rows decoded and scored per second (median over rounds).
    public var rowsPerSecond: Double
    /// The decoder's dense matrix FLOPs per row.
    public var flopsPerRow: Double
    /// One core's FMA peak, GFLOP/s (median of the rounds' peaks).
    public var fmaPeakGFLOPs: Double
    /// `threads` cores at that peak doing nothing but the decoder's FLOPs, in rows/s.
    public var fmaBoundRowsPerSecond: Double
    /// Rows/s over the FMA bound, per round against that round's own peak; the median.
    public var fmaRatio: Double
  }

  /// The inner loop of the importance-weighted bound (`vae-eval --iw-samples`):
  /// ``VAE/reconstructionLosses(codes:conditions:count:target:observedOffset:into:)`` on
  /// `rows` random latent codes, decoded `batch` at a time as vae-eval does (500), each
  /// scored against the image it was drawn for (`samplesPerImage` rows per image). A model
  /// of `config` with its initial weights: the work does not depend on the weights.
  /// Dense (MLP) unconditional models only. Medians over `rounds` rounds, each followed by
  /// a one-core FMA peak, as ``run(images:count:config:batch:steps:threads:rounds:gemmThreading:fmaPeakGFLOPs:)``.
  public static func importanceDecoding(
    config: VAEConfig, images: [UInt8], imageCount: Int, threads: Int, rounds: Int, batch: Int = 500, rows: Int = 4000,
    samplesPerImage: Int = 100
  ) throws(ModelError) -> DecodingReport {
    precondition(config.arch == .mlp && config.condition == 0, "dense unconditional models only")
    precondition(rounds >= 1 && rows >= 1 && samplesPerImage >= 1, "rounds, rows and samples must be at least 1")
    let d = config.inputSize
    let vae = try VAE(config: config, maxBatch: batch, seed: 3, parallel: Parallel(threads: threads))
    let widths = [config.latent] + config.hidden.reversed() + [d]
    let flopsPerRow = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + 2 * Double($1.0) * Double($1.1) }
    let targetCount = min(imageCount, (rows + samplesPerImage - 1) / samplesPerImage)
    precondition(targetCount >= 1 && images.count >= targetCount * d, "not enough images")
    let targets = FloatBuffer(count: targetCount * d)
    for i in 0..<(targetCount * d) { targets.pointer[i] = Float(images[i]) / 255 }
    let codes = FloatBuffer(count: rows * config.latent)
    var generator = Xoshiro256(seed: 11)
    generator.fillNormal(codes.buffer)
    let losses = UnsafeMutablePointer<Double>.allocate(capacity: rows)
    defer { losses.deallocate() }
    func pass() {
      vae.reconstructionLosses(
        codes: codes.pointer, conditions: nil, count: rows,
        target: { UnsafePointer(targets.pointer + min($0 / samplesPerImage, targetCount - 1) * d) }, into: losses)
    }
    pass()  // warm-up
    var rates: [Double] = []
    var peaks: [Double] = []
    var fmaRatios: [Double] = []
    for _ in 0..<rounds {
      var passes = 0
      let start = DispatchTime.now().uptimeNanoseconds
      var elapsed = 0.0
      // At least 0.2 s per round, so that a round is not one noisy pass.
      while elapsed < 0.2 {
        pass()
        passes += 1
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      }
      let rate = Double(passes * rows) / elapsed
      let peak = FMAPeak.measure(threads: 1, repeats: 5)
      rates.append(rate)
      peaks.append(peak)
      fmaRatios.append(rate / (Double(threads) * peak * 1e9 / flopsPerRow))
    }
    let peak = median(peaks)
    return DecodingReport(
      rowsPerSecond: median(rates), flopsPerRow: flopsPerRow, fmaPeakGFLOPs: peak,
      fmaBoundRowsPerSecond: Double(threads) * peak * 1e9 / flopsPerRow, fmaRatio: median(fmaRatios))
  }

  /// GF/s of `shape` alone through `mode`, after one call to warm up.
  private static func gemmRate(_ shape: GEMMShape, mode: Parallel, a: FloatBuffer, b: FloatBuffer, c: FloatBuffer) -> Double {
    func call() {
      mode.gemm(
        m: shape.m, n: shape.n, k: shape.k, a: a.pointer, transposeA: shape.transposeA, b: b.pointer,
        transposeB: shape.transposeB, c: c.pointer)
    }
    call()
    let reps = max(3, Int(1e8 / shape.flops))
    let time = seconds { for _ in 0..<reps { call() } } / Double(reps)
    return shape.flops / time / 1e9
  }

  private static func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  private static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }
}
