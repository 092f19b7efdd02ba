import DataFiles
import Models

/// The model family of a run: what the VAE is conditioned on. Stored by name
/// in `config.json`; what each family means to this layer is its `RunKind`
/// value (`PlainKind`, `LabelKind`, `InpaintKind`, one file each), so adding
/// a family is one new file here and one line in `run`.
///
/// - `vae`: no condition (C = 0).
/// - `cvae`: the image's label, one-hot (C = K, the data set's classes; 10 for MNIST), from `<data>/train-labels.idx`
///   and `test-labels.idx` (Sohn et al., 2015).
/// - `inpaint`: the observed part of the image: the occluded image and its mask,
///   side by side (C = 2 D). Training draws fresh masks every epoch (``InpaintCondition``).
public enum ModelKind: String, Codable, CaseIterable, Sendable {
  case vae, cvae, inpaint

  /// What this family supplies to the run: its condition, for training and inference.
  public var run: any RunKind {
    switch self {
    case .vae: PlainKind()
    case .cvae: LabelKind()
    case .inpaint: InpaintKind()
    }
  }

  /// C for the images and labels of `dataset`.
  public func conditionWidth(dataset: DatasetDescriptor) -> Int { run.conditionWidth(dataset: dataset) }
}

/// What a model family supplies to the Runs layer.
public protocol RunKind: Sendable {
  /// C, the width of the condition, for the images and labels of `dataset` (0: unconditional).
  func conditionWidth(dataset: DatasetDescriptor) -> Int

  /// The conditions of the first `count` of `images` training images and of the
  /// `testImages` test images, read or drawn as `config` says; nil for none.
  func trainingConditions(config: RunConfig, images: Int, count: Int, testImages: Int) throws
    -> (train: (any ConditionSource)?, test: (any ConditionSource)?)

  /// True when decode(mu(x)) needs nothing but the image, so reconstructions can be
  /// recorded during training (`--snapshot-images`) and shown without a condition.
  var reconstructsFromImageAlone: Bool { get }

  /// True when the model is conditioned on the images' labels (so restoring, scoring
  /// and drawing it need the label file beside the images).
  var needsLabels: Bool { get }

  /// True when the model is conditioned on the observed pixels and their mask (so it is
  /// scored inside the holes and has no likelihood of whole images to bound).
  var needsMasks: Bool { get }

  /// The model's restoration of `count` spoiled images [count, D] bytes, in [0, 1]:
  /// what vae-eval scores and the figures show. `masks` (1 observed, 0 hidden) and the
  /// images' `labels` are there for the kinds conditioned on them.
  func restore(_ model: TrainedModel, _ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float]
}

extension TrainedModel {
  /// The restoration of `count` spoiled images by this run's kind (see `RunKind.restore`).
  public func restoreAsItsKind(_ images: ArraySlice<UInt8>, masks: ArraySlice<UInt8>?, labels: [UInt8]?, count: Int) -> [Float] {
    kind.run.restore(self, images, masks: masks, labels: labels, count: count)
  }
}
