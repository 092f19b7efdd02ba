import DataFiles
import Foundation
import Runs

/// Every run of an artifacts folder, one ``RunTableRow`` each, for `vae-render --report`.
///
/// Runs are the sub-folders of `<artifacts>/runs` (hidden names skipped), sorted by data set
/// (MNIST, Fashion-MNIST, Kuzushiji-MNIST, then others by name, then runs whose config is
/// unreadable), then by model kind (vae, cvae, inpaint) and then by name.
///
/// Each run is linked to the pages `vae-render --run` wrote under `<artifacts>/render`:
/// a render folder with an `index.html` belongs to the run named in its
/// `.vae-render.manifest.json` (the folder above `checkpoints/` of the checkpoint it
/// drew, else the folder of the `log.csv` it read); a render folder without a manifest
/// belongs to the run of the same name. Runs are matched by folder name, so the
/// artifacts folder can be moved or copied (the manifest's paths are as vae-render was
/// given them). A run's own-named render folder is its main page; others follow by name.
public struct RunTable: Sendable {
  /// The artifacts folder.
  public var artifacts: String
  public var rows: [RunTableRow]

  /// `<artifacts>/runs`.
  public static func runsFolder(_ artifacts: String) -> String { artifacts + "/runs" }
  /// `<artifacts>/render`.
  public static func renderFolder(_ artifacts: String) -> String { artifacts + "/render" }

  /// Reads every run of `artifacts`. Throws only when `<artifacts>/runs` is not a readable folder.
  /// `corruption` describes the corrupted inputs of a run whose metrics.json does not
  /// (see ``RunTableRow/read(folder:artifacts:corruption:)``).
  public static func read(artifacts: String, corruption: (RunConfig) -> String?) throws -> RunTable {
    let runs = runsFolder(artifacts)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: runs, isDirectory: &isFolder), isFolder.boolValue else {
      throw ReportError.noRunsFolder(path: runs)
    }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: runs)
    } catch {
      throw ReportError.io(path: runs, operation: "list the folder", reason: ReportError.oneLine(error))
    }
    let pages = renderedPages(artifacts: artifacts)
    var rows: [RunTableRow] = []
    for name in names where !name.hasPrefix(".") {
      let folder = runs + "/" + name
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { continue }
      var row = RunTableRow.read(folder: folder, corruption: corruption)
      row.pages = pages[name] ?? []
      rows.append(row)
    }
    return RunTable(artifacts: artifacts, rows: rows.sorted(by: Self.precedes))
  }

  /// Data set (the built-in ones in their order, then others by name; unreadable configs
  /// last), then kind order, then name.
  static func precedes(_ a: RunTableRow, _ b: RunTableRow) -> Bool {
    func dataset(_ row: RunTableRow) -> (Int, String) {
      guard let dataset = row.config?.datasetDescriptor else { return (Int.max, "") }
      return (DatasetDescriptor.builtIn.firstIndex { $0.name == dataset.name } ?? DatasetDescriptor.builtIn.count, dataset.name)
    }
    func rank(_ row: RunTableRow) -> Int {
      guard let kind = row.config?.kind else { return ModelKind.allCases.count }
      return ModelKind.allCases.firstIndex(of: kind) ?? ModelKind.allCases.count
    }
    let (da, db) = (dataset(a), dataset(b))
    if da != db { return da < db }
    let (ra, rb) = (rank(a), rank(b))
    return ra != rb ? ra < rb : a.name < b.name
  }

  /// The rendered pages under `<artifacts>/render`, by run name, each run's own-named page first.
  static func renderedPages(artifacts: String) -> [String: [String]] {
    let render = renderFolder(artifacts)
    guard let folders = try? FileManager.default.contentsOfDirectory(atPath: render) else { return [:] }
    var pages: [String: [(folder: String, page: String)]] = [:]
    for folder in folders.sorted() where !folder.hasPrefix(".") {
      let page = render + "/" + folder + "/" + PageFile.index
      guard FileManager.default.fileExists(atPath: page) else { continue }
      let manifest = StageManifest.load(from: StageManifest.path(folder: render + "/" + folder, stage: "vae-render"))
      let run = manifest.flatMap(runName(renderedBy:)) ?? folder
      pages[run, default: []].append((folder, page))
    }
    return pages.reduce(into: [:]) { result, entry in
      // Folders were visited in name order; the one named like the run goes first.
      var list = entry.value
      if let own = list.firstIndex(where: { $0.folder == entry.key }) { list.insert(list.remove(at: own), at: 0) }
      result[entry.key] = list.map(\.page)
    }
  }

  /// The run a vae-render manifest drew: the folder above `checkpoints/` of its checkpoint
  /// input, else the folder of its `log.csv` input; nil when neither is recorded.
  static func runName(renderedBy manifest: StageManifest) -> String? {
    guard manifest.stage == "vae-render" else { return nil }
    let paths = manifest.inputs.map { URL(fileURLWithPath: $0.path).standardizedFileURL.pathComponents }
    for parts in paths where parts.count >= 3 && parts[parts.count - 2] == "checkpoints" {
      return parts[parts.count - 3]
    }
    for parts in paths where parts.count >= 2 && parts[parts.count - 1] == "log.csv" {
      return parts[parts.count - 2]
    }
    return nil
  }
}

extension RunTable {
  /// `<artifacts>/report`: where the report goes unless --out says otherwise.
  public static func reportFolder(_ artifacts: String) -> String { artifacts + "/report" }

  /// Writes the page as `<folder>/index.html` (atomically, creating the folder); returns its path.
  public func write(folder: String) throws -> String {
    try Folders.create(folder)
    let path = folder + "/" + PageFile.index
    try page(folder: folder).write(to: path)
    return path
  }
}
