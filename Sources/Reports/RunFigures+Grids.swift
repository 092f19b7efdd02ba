import Imaging

/// A plain VAE's grids of test images and samples (their captions are in ``RunReport``).
extension RunFigures {
  /// Triplets (clean, corrupted, decode(mu(corrupted))) when there are corrupted test
  /// images, pairs (clean, decode(mu(clean))), and the samples from the prior.
  public func plainGrids() throws -> [Figure] {
    let shown = self.shown
    let clean = images.clean.scalars[0..<shown * d]
    var figures: [Figure] = []
    if let corrupted = images.corrupted {
      let input = corrupted.scalars[0..<shown * d]
      let restored = tiles(model.restore(input, count: shown), shown)
      let triplets = groups([tiles(clean, shown), tiles(input, shown), restored])
      figures.append(Figure(PageFile.triplets, .png(try grid(rowsPerGroup: 3).render(rows: triplets))))
    }
    let pairs = groups([tiles(clean, shown), tiles(model.restore(clean, count: shown), shown)])
    figures.append(Figure(PageFile.reconstructions, .png(try grid(rowsPerGroup: 2).render(rows: pairs))))
    let side = Self.samplesSide
    let samples = model.sample(count: side * side, seed: options.seed)
    let sampleTiles = stride(from: 0, to: samples.count, by: d).map { Array(samples[$0..<min($0 + d, samples.count)]) }
    figures.append(Figure(PageFile.samples, .png(try grid(columns: side).render(tiles: sampleTiles))))
    return figures
  }
}
