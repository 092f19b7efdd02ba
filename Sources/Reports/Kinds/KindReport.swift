import Runs

/// What the report across runs says of one model kind; one file per kind
/// (`PlainReport`, `LabelReport`, `InpaintReport`), and a line in `ModelKind.report`.
public protocol KindReport {
  /// What a run of this kind was trained for: "clean images", "denoising: gaussian noise, sigma 0.5", ...
  /// `corruption` describes its corrupted inputs, when known.
  func task(config: RunConfig, corruption: String?) -> String
}

extension ModelKind {
  /// What the report says of this kind.
  public var report: any KindReport {
    switch self {
    case .vae: PlainReport()
    case .cvae: LabelReport()
    case .inpaint: InpaintReport()
    }
  }
}
