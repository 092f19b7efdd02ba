import Checkpoints
import Corruptions
import FuzzSupport
import Metrics
import Models
import Runs

/// The JSON files the stages read, each through the public call a stage makes:
/// config.json (`RunConfig.parse`, then the model and training checks), a checkpoint's
/// and a judge's `__metadata__["config"]`, metrics.json (`RunMetrics.parse`), a stage
/// manifest (`StageManifest.load`) and vae-corrupt's spec.json (`LevelSweep.plan`).
/// Every input goes to every reader. Properties besides "no trap": a config that
/// parses and validates parses again, equal, from its own `json()`, and its tensor
/// layout can be counted without overflow.
// Called by libFuzzer once per input.
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = FuzzInput.bytes(data, size)
  let text = String(decoding: bytes, as: UTF8.self)

  if let config = try? RunConfig.parse(text, source: "fuzz") {
    checkRunConfig(config)
  }
  let checkpoint = SafeTensorsFile(tensors: [], metadata: ["format": "digitvae.checkpoint/1", "config": text])
  if let config = try? TrainingCheckpoint.config(of: checkpoint, source: "fuzz") {
    checkRunConfig(config)
  }
  let judge = SafeTensorsFile(tensors: [], metadata: ["format": Judge.format, "config": text])
  if let config = try? Judge.config(of: judge, source: "fuzz") {
    _ = config.tensorLayout
  }
  if let metrics = try? RunMetrics.parse(text, source: "fuzz") {
    _ = metrics.summary()
    _ = try? metrics.json()
  }

  let path = FuzzInput.writeScratch(bytes, suffix: ".json")
  if let manifest = StageManifest.load(from: path) {
    _ = manifest.isUpToDate(stage: manifest.stage, options: manifest.options, inputs: [], outputs: [])
    _ = manifest.stamp(of: "x")
  }
  _ = try? CorruptionSpec.read(from: path)
  _ = try? LevelSweep.plan(levels: [], kind: nil, specPath: path, testInput: nil, seed: 1)
  _ = try? LevelSweep.plan(levels: [0.5, 3], kind: .rectangles, specPath: path, testInput: nil, seed: 1)
  return 0
}

/// The checks a stage makes on a config before it builds a model, and the round trip.
func checkRunConfig(_ config: RunConfig) {
  guard (try? config.model.validate()) != nil, (try? config.training.validate()) != nil else { return }
  guard let again = try? RunConfig.parse(config.json(), source: "fuzz (re-encoded)"), again == config else {
    FuzzInput.fail("a valid config does not survive json() and parse: \(config.json())")
  }
  var total = 0
  for tensor in VAE.tensorLayout(config.model) {
    for dimension in tensor.shape where dimension < 0 { FuzzInput.fail("negative dimension in \(tensor)") }
    let (count, overflow) = tensor.shape.reduce((1, false)) { partial, d in
      let (p, o) = partial.0.multipliedReportingOverflow(by: d)
      return (p, partial.1 || o)
    }
    if overflow { FuzzInput.fail("a valid config's tensor \(tensor.name) \(tensor.shape) overflows Int") }
    total = total.addingReportingOverflow(count).overflow ? Int.max : total + count
  }
}

/// The name libFuzzer's own `main` looks for (whichever `main` the linker keeps).
@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzJSON(data, size) }
