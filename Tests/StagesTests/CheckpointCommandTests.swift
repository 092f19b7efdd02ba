import Checkpoints
import Foundation
import Models
import Runs
import Stages
import Testing
import TestSupport

@Suite struct CheckpointCommandTests {
  @Test func infoVerifyAndExport() throws {
    let folder = try TemporaryFolder("ckpt")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    let trained = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    let path = try newestCheckpoint(run)

    let info = try StageRun.run("vae-checkpoint", ["info", path], in: folder.path)
    #expect(info.status == 0 && info.stderr.isEmpty, "a valid checkpoint gets no warning: \(info.stderr)")
    #expect(info.stdout.contains("encoder.0.weight") && info.stdout.contains("F32 [784, 48]"))
    #expect(info.stdout.contains("adam.m.decoder.out.weight") && info.stdout.contains("\"latent\" : 4"))

    // An export never replaces a training checkpoint.
    let overwrite = try StageRun.run("vae-checkpoint", ["export", path, "--out", path], in: folder.path)
    #expect(overwrite.status == 64 && overwrite.stderr.contains("is the checkpoint being exported"), "\(overwrite.stderr)")
    let intoRun = try StageRun.run("vae-checkpoint", ["export", path, "--out", run + "/checkpoints/w.safetensors"], in: folder.path)
    #expect(intoRun.status == 64 && intoRun.stderr.contains("inside a run's checkpoints/ folder"), "\(intoRun.stderr)")
    #expect(try SafeTensorsFile.read(from: path).metadata["content"] == "training")

    let exported = folder.file("weights.safetensors")
    let export = try StageRun.run("vae-checkpoint", ["export", path, "--out", exported], in: folder.path)
    #expect(export.status == 0, "\(export.stderr)")
    let weights = try SafeTensorsFile.read(from: exported, requireChecksum: true)
    #expect(weights.metadata["content"] == "weights")
    #expect(weights.tensors.map(\.name) == VAE.tensorLayout(VAEConfig(hidden: [48], latent: 4)).map(\.name))

    // A flipped bit, a truncated file and an export given where training state is needed.
    var bytes = try Files.read(path)
    bytes[bytes.count / 2] ^= 1
    try Files.write(bytes, to: folder.file("flipped.safetensors"))
    StageRun.expectOneLineFailure(
      try StageRun.run("vae-checkpoint", ["verify", folder.file("flipped.safetensors")], in: folder.path),
      naming: "flipped.safetensors", ["CRC-32"])
    try Files.write(Array(try Files.read(path).prefix(5000)), to: folder.file("short.safetensors"))
    StageRun.expectOneLineFailure(
      try StageRun.run("vae-checkpoint", ["verify", folder.file("short.safetensors")], in: folder.path),
      naming: "short.safetensors")
  }

  /// numpy, reading the exported bytes by hand, runs the decoder on a few latent
  /// vectors and must agree with the Swift decoder to 1e-5.
  @Test func pythonRunsTheExportedDecoderAndAgrees() throws {
    let folder = try TemporaryFolder("pydecode")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 200, test: 20)
    let run = folder.file("run")
    let options = ["--data", data, "--run", run, "--epochs", "1", "--hidden", "64,32", "--latent", "3", "--activation", "elu", "--threads", "1"]
    let trained = try StageRun.run("vae-train", options, in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    let exported = folder.file("weights.safetensors")
    #expect(try StageRun.run("vae-checkpoint", ["export", try newestCheckpoint(run), "--out", exported], in: folder.path).status == 0)

    let z: [Float] = [0, 0, 0, 1.5, -0.5, 0.25, -2, 1, 3]
    let file = try SafeTensorsFile.read(from: exported)
    let config = try RunConfig.parse(try #require(file.metadata["config"]), source: exported)
    let model = try VAE(config: config.model, maxBatch: 3, seed: 1)
    for entry in model.parameters.entries { try model.parameters.setValue(entry.name, try file.tensor(entry.name).floats()) }
    let swift = model.decode(z, count: 3)

    let script = """
      import json, struct, sys, numpy as np
      raw = open(sys.argv[1], 'rb').read()
      n = struct.unpack('<Q', raw[:8])[0]
      header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
      def t(name):
          e = header[name]; b, end = e['data_offsets']
          return np.frombuffer(body[b:end], dtype='<f4').reshape(e['shape']).astype(np.float64)
      elu = lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
      z = np.array(json.loads(sys.argv[2]), dtype=np.float64).reshape(3, 3)
      h = z
      i = 0
      while 'decoder.%d.weight' % i in header:
          h = elu(h @ t('decoder.%d.weight' % i) + t('decoder.%d.bias' % i)); i += 1
      p = 1 / (1 + np.exp(-(h @ t('decoder.out.weight') + t('decoder.out.bias'))))
      print(json.dumps(p.ravel().tolist()))
      """
    let output = try ProcessRunner.python(script, [exported, "[" + z.map { "\($0)" }.joined(separator: ",") + "]"])
    let python = try JSONDecoder().decode([Double].self, from: Data(output.utf8))
    #expect(python.count == swift.count)
    let worst = zip(python, swift).map { abs($0 - Double($1)) }.max() ?? .infinity
    #expect(worst < 1e-5, "max |numpy - swift| = \(worst), tolerance 1e-5")
  }

  /// Forged files whose CRC is right but whose values are not: verify and resume refuse
  /// each alike in one line, naming the tensor or key (never a trap).
  @Test func verifyAndResumeRefuseTheSameForgedStates() throws {
    let folder = try TemporaryFolder("forged")
    defer { folder.remove() }
    let data = try makeDataFolder(in: folder, train: 100, test: 20)
    let run = folder.file("run")
    let trained = try StageRun.run("vae-train", ["--data", data, "--run", run, "--epochs", "1"] + smallModel, in: folder.path)
    #expect(trained.status == 0, "\(trained.stderr)")
    let path = try newestCheckpoint(run)
    let original = try SafeTensorsFile.read(from: path)
    func forged(_ change: (inout SafeTensorsFile) throws -> Void) throws {
      var file = original
      try change(&file)
      try file.write(to: path)
    }
    func scalar(_ name: String, _ value: Int64) -> (inout SafeTensorsFile) throws -> Void {
      { file in
        let index = try #require(file.tensors.firstIndex { $0.name == name })
        file.tensors[index] = Tensor(name: name, int64s: [value], shape: [])
      }
    }
    let cases: [(String, (inout SafeTensorsFile) throws -> Void, String)] = [
      ("epoch 2^62", scalar("train.epoch", 1 << 62), "\"train.epoch\" is 4611686018427387904"),
      ("global step 2^62", scalar("train.global_step", 1 << 62), "\"train.global_step\" is 4611686018427387904"),
      ("adam step -1", scalar("adam.step", -1), "\"adam.step\" is -1"),
      ("epoch -1", scalar("train.epoch", -1), "\"train.epoch\" is -1"),
      ("global step of another file", scalar("train.global_step", 5), "named for step 4 but holds train.global_step 5"),
      (
        "zero generator",
        { file in
          let index = try #require(file.tensors.firstIndex { $0.name == "train.generator" })
          file.tensors[index] = Tensor(name: "train.generator", uint64s: [0, 0, 0, 0], shape: [4])
        }, "all zero"
      ),
      ("another kind", { file in file.metadata["kind"] = "cvae" }, "metadata kind is \"cvae\""),
      ("an extra tensor", { file in file.tensors.append(Tensor(name: "extra", floats: [1], shape: [1])) }, "holds 37 tensors, but a training checkpoint of this config has 36"),
      (
        "an infinite moment",
        { file in
          let index = try #require(file.tensors.firstIndex { $0.name == "adam.v.decoder.out.bias" })
          var values = try file.tensors[index].floats()
          values[0] = .infinity
          file.tensors[index] = Tensor(name: "adam.v.decoder.out.bias", floats: values, shape: file.tensors[index].shape)
        }, "1 adam.v values are NaN or infinite"
      ),
    ]
    for (what, change, fragment) in cases {
      try forged(change)
      let verify = try StageRun.run("vae-checkpoint", ["verify", path], in: folder.path)
      StageRun.expectOneLineFailure(verify, naming: path, [fragment])
      // info still shows the file, and warns with the same reason.
      let info = try StageRun.run("vae-checkpoint", ["info", path], in: folder.path)
      #expect(info.status == 0 && info.stdout.contains("tensors:"), "\(what): \(info.stderr)")
      #expect(info.stderr.contains("verify and resume would refuse this file") && info.stderr.contains(fragment), "\(what): \(info.stderr)")
      let resume = try StageRun.run("vae-train", ["--run", run, "--resume", "--epochs", "3"], in: folder.path)
      #expect(resume.status == 1, "\(what): \(resume.stderr)")
      #expect(resume.stderrLines.count == 1 && resume.stderr.contains(fragment), "\(what): \(resume.stderr)")
    }
  }
}
