import DataFiles
import Imaging
import Runs

/// The options of `vae-render` that shape the figures.
public struct FigureOptions: Sendable {
  /// Test images per grid row (`--count`).
  public var columns: Int
  /// Row groups (triplets or pairs) per grid (`--rows`).
  public var rows: Int
  /// Each tile pixel becomes a scale x scale block.
  public var scale: Int
  /// Seed of the samples from the prior.
  public var seed: UInt64
  /// Where the 2-D manifold canvas puts its codes.
  public var manifoldGrid: ManifoldGrid

  public init(columns: Int, rows: Int, scale: Int, seed: UInt64, manifoldGrid: ManifoldGrid) {
    self.columns = columns
    self.rows = rows
    self.scale = scale
    self.seed = seed
    self.manifoldGrid = manifoldGrid
  }
}

/// The figures of one run's page, drawn from its model and test images, each with
/// the caption that says what it shows. Nothing here writes a file: the figures
/// come back as ``Figure`` values for the stage to write.
///
/// Legend: d = 784 pixels of a 28 x 28 tile, z = latent size, n = canvas side.
public struct RunFigures {
  public var model: TrainedModel
  public var images: TestImages
  public var inputs: PageInputs
  public var options: FigureOptions
  /// How the latent scatter flattens a code of more than two dimensions.
  public var project: LatentProjection.Method

  /// The prior-samples grid is `samplesSide` x `samplesSide` tiles.
  public static let samplesSide = 10
  /// The manifold canvas is `manifoldSide` x `manifoldSide` decoded codes.
  public static let manifoldSide = 20
  /// Test-image pairs in the interpolation figure, and the steps from one to the other.
  public static let interpolationPairs = 8
  public static let interpolationSteps = 10
  /// Rows of the analogy grid: fixed latent codes, each decoded under the ten labels.
  public static let analogyRows = 8
  /// Display width of each half of the side-by-side figures, in CSS pixels (two fit the page).
  public static let besideWidth = 520

  public init(
    model: TrainedModel, images: TestImages, inputs: PageInputs, options: FigureOptions,
    project: @escaping LatentProjection.Method
  ) {
    self.model = model
    self.images = images
    self.inputs = inputs
    self.options = options
    self.project = project
  }

  /// Test images in the grids: the first `columns x rows` (fewer if the test set is smaller).
  public var shown: Int { min(options.columns * options.rows, images.count) }

  /// d.
  var d: Int { images.clean.itemSize }
  /// The data set of the model, whose classes and image size the figures use.
  var dataset: DatasetDescriptor { model.dataset }

  // MARK: - Tiles and grids

  /// The first `n` images of `pixels` ([n, d] bytes), one tile each.
  func tiles(_ pixels: ArraySlice<UInt8>, _ n: Int) -> [[UInt8]] {
    (0..<n).map { Array(pixels[pixels.startIndex + $0 * d..<pixels.startIndex + ($0 + 1) * d]) }
  }

  /// Model outputs ([n, d] pixel probabilities) as tiles of grey levels.
  func tiles(_ values: [Float], _ n: Int) -> [[UInt8]] { tiles(PixelQuantisation.bytes(values)[...], n) }

  /// Groups of rows for a grid: each set of tiles cut into rows of `columns`, and the
  /// sets' rows taken in turn (clean, corrupted, restored; clean, reconstructed; ...).
  func groups(_ sets: [[[UInt8]]]) -> [[[UInt8]]] {
    let columns = options.columns
    let rows = sets.map { tiles in
      stride(from: 0, to: tiles.count, by: columns).map { Array(tiles[$0..<min($0 + columns, tiles.count)]) }
    }
    let count = rows.map(\.count).min() ?? 0
    return (0..<count).flatMap { g in rows.map { $0[g] } }
  }

  /// A grid of image-sized tiles (28 x 28 for MNIST) at the page's scale, `columns` to a row.
  func grid(columns: Int? = nil, rowsPerGroup: Int = 0) -> ImageGrid {
    ImageGrid(
      tileWidth: dataset.width, tileHeight: dataset.height, columns: columns ?? options.columns, rowsPerGroup: rowsPerGroup,
      tileScale: options.scale)
  }
}
