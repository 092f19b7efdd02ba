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
    #expect(info.status == 0)
    #expect(info.stdout.contains("encoder.0.weight") && info.stdout.contains("F32 [784, 48]"))
    #expect(info.stdout.contains("adam.m.decoder.out.weight") && info.stdout.contains("\"latent\" : 4"))

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
}
