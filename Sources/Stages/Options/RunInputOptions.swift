import ArgumentParser

/// `--run --checkpoint --data --test-input`: which trained model a stage reads
/// and which test images it works on (vae-eval, vae-render).
public struct RunInputOptions: ParsableArguments {
  @Option(name: .customLong("run"), help: "Run folder (from vae-train) whose newest valid checkpoint is used (default: the run holding --checkpoint, else artifacts/runs/vae).")
  public var runFolder: String?

  @Option(help: "A checkpoint file to use instead of the run's newest valid one.")
  public var checkpoint: String?

  @Option(help: "Folder with test-images.idx (default: the data folder the run was trained on).")
  public var data: String?

  @Option(help: "Corrupted copy of the test images, from vae-corrupt (default: the run's --test-input, if any).")
  public var testInput: String?

  public init() {}

  /// The run folder these options name (see `EvaluationInputs.runFolder`).
  public var run: String { EvaluationInputs.runFolder(given: runFolder, checkpoint: checkpoint) }

  /// The flags of this group that were given, as the user spelled them.
  var given: [String] {
    [("--run", runFolder), ("--checkpoint", checkpoint), ("--data", data), ("--test-input", testInput)]
      .filter { $0.1 != nil }.map(\.0)
  }
}
