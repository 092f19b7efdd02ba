/// The files of a run's rendered folder, by role: what `vae-render --run` writes
/// and the page names them by.
public enum PageFile {
  public static let triplets = "triplets.png"
  public static let reconstructions = "reconstructions.png"
  public static let samples = "samples.png"
  public static let loss = "loss.svg"
  public static let lossParts = "loss-parts.svg"
  /// A copy of the run's levels.svg (vae-eval --levels).
  public static let levels = "levels.svg"
  public static let index = "index.html"
  /// Every figure, in the order the page shows them.
  public static let figures = [triplets, reconstructions, samples, loss, lossParts, levels]
}

/// The figures that look into the latent space and into training.
public enum LatentFile {
  public static let manifold = "manifold.png"
  public static let scatter = "latent-scatter.svg"
  public static let interpolation = "interpolation.png"
  public static let overTraining = "reconstructions-over-training.png"
  /// A cvae's ten manifold canvases, one per label.
  public static let labelManifolds = "manifold-labels.png"
  /// The other run's canvas (or canvases) and scatter of `--beside`.
  public static let besideManifold = "beside-manifold.png"
  public static let besideScatter = "beside-scatter.svg"
  public static let all = [manifold, scatter, interpolation, overTraining, labelManifolds, besideManifold, besideScatter]
}

/// The figures of the conditional models (cvae, inpaint).
public enum ConditionalFile {
  public static let labels = "labels.png"
  public static let analogy = "analogy.png"
  public static let reconstructions = PageFile.reconstructions
  public static let inpainting = "inpainting.png"
  public static let completions = "completions.png"
  /// The files only a conditional model writes.
  public static let own = [labels, analogy, inpainting, completions]
}
