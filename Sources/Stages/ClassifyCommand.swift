import ArgumentParser
import DataFiles
import Foundation
import Models
import Runs
import Terminal

/// `vae-classify`: train the judge classifier that scores generated digits, or evaluate one.
public struct ClassifyCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "vae-classify",
    abstract: "Train the judge MLP classifier on a data set, or measure a trained judge's accuracy.",
    discussion: """
      Trains a D-256-128-K ReLU MLP (784-256-128-10 for MNIST) with softmax cross-entropy and Adam on \
      <data>/train-images.idx and train-labels.idx, printing each epoch's mean train loss \
      and the accuracy on test-images.idx / test-labels.idx, then writes the weights \
      atomically to --out (safetensors, metadata format "digitvae.judge/1"). Skipped when \
      the inputs, options and output are unchanged since the last run (.vae-classify.manifest.json \
      beside --out). With --evaluate IMAGES --labels LABELS it loads --out instead and prints \
      the accuracy on those files.

      The judge records its data set (name, classes, image size) in its metadata; vae-eval \
      refuses a judge trained on another data set than the run's.

      Example: vae-classify --dataset fashion-mnist   (artifacts/data/fashion-mnist to artifacts/judge/fashion-mnist.safetensors)
      Example: vae-classify --data artifacts/data/mnist --out artifacts/judge/mnist.safetensors
      """)

  @Option(help: "Folder with the IDX files of vae-decompress, or any folder of {train,test}-{images,labels}.idx (default artifacts/data/<dataset>).")
  public var data: String?
  @OptionGroup public var dataset: DatasetChoice
  @Option(help: "The judge checkpoint to write (or read with --evaluate) (default artifacts/judge/<dataset>.safetensors).")
  public var out: String?
  @Option(help: "Passes over the training set.") public var epochs = 15
  @OptionGroup public var compute: ComputeOptions
  @Option(help: "Evaluate the judge at --out on this IDX images file instead of training.") public var evaluate: String?
  @Option(help: "The labels of the --evaluate images.") public var labels: String?

  public init() {}

  public mutating func validate() throws {
    guard epochs > 0 else { throw ValidationError("--epochs must be at least 1") }
    if evaluate != nil && labels == nil { throw ValidationError("--evaluate needs --labels, the labels of those images") }
    if labels != nil && evaluate == nil { throw ValidationError("--labels is only used with --evaluate") }
  }

  public func run() throws {
    try StageError.reporting {
      let data = try dataset.folder(data: data)
      // The judge is named after its data set: the folder's descriptor names it when training.
      let name = evaluate == nil ? try DatasetDescriptor.read(folder: data).name : dataset.chosen
      let out = out ?? ArtifactPaths.judge(named: name)
      let stage = ClassifyStage(data: data, out: out, epochs: epochs, seed: compute.seedValue, threads: compute.threadCount)
      if let evaluate, let labels {
        let (accuracy, count) = try stage.evaluate(images: evaluate, labels: labels)
        Console.standard.line(
          "vae-classify: \(out) labels \(String(format: "%.2f", accuracy * 100))% of \(count) images in \(evaluate) correctly")
      } else if case let .wrote(accuracy) = try stage.run() {
        Console.standard.line(
          "vae-classify: wrote \(out) (test accuracy \(String(format: "%.2f", accuracy * 100))% after \(epochs) epochs)")
      } else {
        Console.standard.line("vae-classify: \(out) is up to date with \(data) (skipped)")
      }
    }
  }
}
