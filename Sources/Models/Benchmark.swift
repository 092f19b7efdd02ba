import Compute
import Dispatch

/// Measures the training step against the speed of its own GEMMs; does no I/O.
public enum Benchmark {
  /// The GEMM shapes of one training step of `config` at batch `batch`, in call order.
  public static func gemmShapes(config: VAEConfig, batch b: Int) -> [GEMMShape] {
    var layers: [(inputs: Int, outputs: Int, needsInputGrad: Bool)] = []
    var width = config.inputSize
    for (i, h) in config.hidden.enumerated() {
      layers.append((width, h, i > 0))
      width = h
    }
    layers.append((width, config.latent, true))  // mu head
    layers.append((width, config.latent, true))  // logVar head
    width = config.latent
    for h in config.hidden.reversed() {
      layers.append((width, h, true))
      width = h
    }
    layers.append((width, config.inputSize, true))
    var shapes: [GEMMShape] = []
    func add(_ m: Int, _ n: Int, _ k: Int, _ ta: Bool, _ tb: Bool) {
      if let i = shapes.firstIndex(where: { $0.m == m && $0.n == n && $0.k == k && $0.transposeA == ta && $0.transposeB == tb }) {
        shapes[i].callsPerStep += 1
      } else {
        shapes.append(GEMMShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb, callsPerStep: 1))
      }
    }
    for layer in layers { add(b, layer.outputs, layer.inputs, false, false) }  // y = x W
    for layer in layers {
      add(layer.inputs, layer.outputs, b, true, false)  // dW = x^T dy
      if layer.needsInputGrad { add(b, layer.inputs, layer.outputs, false, true) }  // dx = dy W^T
    }
    return shapes
  }

  /// Trains on `images` ([count, D] UInt8, e.g. random) for `rounds` rounds of `steps`
  /// steps (after one warm-up round); after each round times every GEMM shape of the
  /// step alone with cblas_sgemm (the faster of one multi-threaded call and one
  /// single-threaded call per thread on a split, see ``Parallel/GEMMThreading``);
  /// reports medians over rounds. `gemmThreading` is the trainer's (the reference
  /// always takes the faster of both).
  public static func run(
    images: [UInt8], count: Int, config: VAEConfig, batch: Int, steps: Int, threads: Int, rounds: Int = 7,
    gemmThreading: Parallel.GEMMThreading = .split
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
    let modes = Parallel.GEMMThreading.allCases.map { Parallel(threads: threads, gemmThreading: $0) }
    var stepTimes: [Double] = []
    var gemmTimes: [Double] = []
    var ratios: [Double] = []
    var shapeRates = [[Double]](repeating: [], count: shapes.count)
    var modeWins = [[Int]](repeating: [0, 0], count: shapes.count)
    for _ in 0..<steps { trainer.step() }  // warm-up
    // Each round times the steps, then every shape alone right after, so that the
    // ratio compares the two under the same machine load; medians over rounds.
    for _ in 0..<rounds {
      let stepTime = seconds { for _ in 0..<steps { trainer.step() } } / Double(steps)
      var gemmTime = 0.0
      for (i, shape) in shapes.enumerated() {
        let reps = max(3, Int(1e8 / shape.flops))
        var rates: [Double] = []
        for mode in modes {
          mode.gemm(m: shape.m, n: shape.n, k: shape.k, a: a.pointer, transposeA: shape.transposeA, b: bm.pointer, transposeB: shape.transposeB, c: c.pointer)
          let time = seconds {
            for _ in 0..<reps {
              mode.gemm(
                m: shape.m, n: shape.n, k: shape.k, a: a.pointer, transposeA: shape.transposeA, b: bm.pointer,
                transposeB: shape.transposeB, c: c.pointer)
            }
          } / Double(reps)
          rates.append(shape.flops / time / 1e9)
        }
        let best = rates.max() ?? 0
        if let winner = rates.firstIndex(of: best) { modeWins[i][winner] += 1 }
        shapeRates[i].append(best)
        gemmTime += shape.flops * Double(shape.callsPerStep) / (best * 1e9)
      }
      stepTimes.append(stepTime)
      gemmTimes.append(gemmTime)
      ratios.append(gemmTime / stepTime)
    }
    for i in shapes.indices {
      shapes[i].referenceGFLOPs = median(shapeRates[i])
      shapes[i].fasterThreading = modes[modeWins[i][1] > modeWins[i][0] ? 1 : 0].gemmThreading
    }
    let stepSeconds = median(stepTimes)
    let gemmSeconds = median(gemmTimes)
    return BenchReport(
      config: config, batch: batch, threads: threads, coreName: BLAS.coreName, stepSeconds: stepSeconds,
      samplesPerSecond: Double(batch) / stepSeconds, flopsPerStep: flopsPerStep,
      achievedGFLOPs: flopsPerStep / stepSeconds / 1e9, shapes: shapes, gemmSecondsPerStep: gemmSeconds,
      gemmBoundSamplesPerSecond: Double(batch) / gemmSeconds, ratio: median(ratios))
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
