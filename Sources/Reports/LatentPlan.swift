import Runs

/// Which latent figures a run's page gets, known before any image is loaded, and the
/// files they read beyond the checkpoint and the test images.
///
/// The hook for other model kinds: the canvas, scatter and interpolation decode and
/// encode without a condition, so they are planned for kind "vae" only; a conditional
/// kind draws its own latent figures (per label) beside its other figures, and keeps
/// the reconstructions over training from here.
public struct LatentPlan: Sendable {
  /// The run's model kind (`RunConfig.kind`).
  public var kind: String
  public var latent: Int
  /// `test-labels.idx` beside the test images, when it exists.
  public var labelsPath: String?
  /// The run's `snapshots.idx`, when it exists.
  public var snapshotsPath: String?
  /// The figure files, in page order.
  public var figures: [String] = []


  public init(kind: String, latent: Int, labelsPath: String?, snapshotsPath: String?) {
    self.kind = kind
    self.latent = latent
    self.labelsPath = labelsPath
    self.snapshotsPath = snapshotsPath
    if Self.isUnconditional(kind) {
      if latent == 2 { figures.append(LatentFile.manifold) }
      if labelsPath != nil && latent >= 2 { figures.append(LatentFile.scatter) }
      figures.append(LatentFile.interpolation)
    }
    if snapshotsPath != nil { figures.append(LatentFile.overTraining) }
  }

  /// Files the figures depend on beyond the checkpoint and the test images.
  public var sources: [String] { [labelsPath, snapshotsPath].compactMap { $0 } }

  /// True for a model that encodes and decodes without a condition.
  var isUnconditional: Bool { Self.isUnconditional(kind) }

  /// True for the model kind (`RunConfig.kind`) whose encoder and decoder take no condition.
  static func isUnconditional(_ kind: String) -> Bool { ModelKind(rawValue: kind)?.run.reconstructsFromImageAlone ?? false }
}
