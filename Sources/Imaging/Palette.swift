/// The colours plots draw with: ten well-separated hues (the widely used
/// "category 10" set), so digits 0-9 and up to ten series stay apart.
public enum Palette {
  /// Ten colours as `#rrggbb`, in a fixed order.
  public static let categorical: [String] = [
    "#1f77b4",  // blue
    "#ff7f0e",  // orange
    "#2ca02c",  // green
    "#d62728",  // red
    "#9467bd",  // purple
    "#8c564b",  // brown
    "#e377c2",  // pink
    "#7f7f7f",  // grey
    "#bcbd22",  // olive
    "#17becf",  // cyan
  ]

  /// The colour for index `i`, wrapping around (negative indices too).
  public static func colour(_ i: Int) -> String {
    let n = categorical.count
    return categorical[((i % n) + n) % n]
  }
}
