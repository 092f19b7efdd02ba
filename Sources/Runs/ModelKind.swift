/// The model family of a run: what the VAE is conditioned on.
///
/// - `vae`: no condition (C = 0).
/// - `cvae`: the image's digit label, one-hot (C = 10), from `<data>/train-labels.idx`
///   and `test-labels.idx` (Sohn et al., 2015).
/// - `inpaint`: the observed part of the image: the occluded image and its mask,
///   side by side (C = 2 D). Training draws fresh masks every epoch (``InpaintCondition``).
public enum ModelKind: String, Codable, CaseIterable, Sendable {
  case vae, cvae, inpaint

  /// Digit classes, the width of a cvae's condition.
  public static let classes = 10

  /// C for images of `pixels` pixels.
  public func conditionWidth(pixels: Int) -> Int {
    switch self {
    case .vae: 0
    case .cvae: Self.classes
    case .inpaint: 2 * pixels
    }
  }
}
