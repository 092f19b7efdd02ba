import Imaging
import Reports
import Runs

/// What `vae-render` draws for one model kind; one file per kind (`PlainRendering`,
/// `LabelRendering`, `InpaintRendering`), and a line in `ModelKind.rendering`.
protocol KindRendering {
  /// The figures, sources and options of a render of this kind.
  func plan(_ stage: RenderStage, _ inputs: EvaluationInputs, warn: (String) -> Void) throws -> RenderStage.Plan
  /// Draws and writes the kind's own figures and returns the page; figures left out are removed from `plan`.
  func draw(
    _ stage: RenderStage, _ plan: inout RenderStage.Plan, _ figures: RunFigures, report: RunReport,
    images: EvaluationInputs.Images, warn: (String) -> Void
  ) throws -> HTMLPage
}

extension ModelKind {
  /// What vae-render draws for this kind.
  var rendering: any KindRendering {
    switch self {
    case .vae: PlainRendering()
    case .cvae: LabelRendering()
    case .inpaint: InpaintRendering()
    }
  }
}
