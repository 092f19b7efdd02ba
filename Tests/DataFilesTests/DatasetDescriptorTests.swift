import Foundation
import Testing
import TestSupport

@testable import DataFiles

/// The data-set descriptor: the built-in ones, dataset.json, and a user's folder described
/// from its own files, with every way such a folder can be wrong refused in one message.
@Suite struct DatasetDescriptorTests {
  @Test func theBuiltInSetsAreValidAndNamedAsTheirPublishersNameThem() {
    for descriptor in DatasetDescriptor.builtIn {
      #expect(descriptor.problem == nil, "\(descriptor.name): \(descriptor.problem ?? "")")
      #expect(descriptor.height == 28 && descriptor.width == 28 && descriptor.classCount == 10)
    }
    #expect(DatasetDescriptor.builtIn(named: "fashion-mnist")?.classes.first == "T-shirt/top")
    #expect(DatasetDescriptor.fashionMNIST.labelText(9) == "Ankle boot")
    #expect(DatasetDescriptor.mnist.labelText(3) == "digit 3" && DatasetDescriptor.mnist.isDigits)
    #expect(!DatasetDescriptor.fashionMNIST.isDigits && !DatasetDescriptor.kmnist.isDigits)
    #expect(DatasetDescriptor.builtIn(named: "cifar") == nil)
  }

  @Test func jsonRoundTripsAndBadFilesAreRefused() throws {
    let text = DatasetDescriptor.fashionMNIST.json(pretty: true)
    #expect(try DatasetDescriptor.parse(text, source: "d.json") == .fashionMNIST)
    #expect(text.contains("\"T-shirt/top\""), "slashes are written as they are: \(text)")
    let cases: [(String, String)] = [
      ("{", "not valid JSON"),
      (#"{"name": "x"}"#, "not a data-set descriptor"),
      (#"{"name":"a b","title":"t","classes":["a"],"height":2,"width":2,"noun":"n"}"#, "is not 1...64 letters"),
      (#"{"name":"a","title":"t","classes":["a"],"height":0,"width":2,"noun":"n"}"#, "images of 0 x 2 pixels"),
      (#"{"name":"a","title":"t","classes":["a"],"height":5000,"width":5000,"noun":"n"}"#, "sides must be 1...4096"),
      (#"{"name":"a","title":"t","classes":["a",""],"height":2,"width":2,"noun":"n"}"#, "class 1 has an empty"),
    ]
    for (json, fragment) in cases {
      do {
        _ = try DatasetDescriptor.parse(json, source: "d.json")
        Issue.record("\(json) was accepted")
      } catch {
        #expect("\(error)".hasPrefix("d.json: ") && "\(error)".contains(fragment), "\(error)")
      }
    }
  }

  @Test func aUsersFolderIsDescribedFromItsFilesAndClassesTxt() throws {
    let temporary = try TemporaryFolder("descriptor")
    defer { temporary.remove() }
    let shapes = temporary.file("shapes")
    let names = ["circle", "square", "triangle", "star", "cross"]
    try SyntheticIDX.writeDataFolder(shapes, height: 32, width: 20, classes: 5, train: 25, test: 10, classNames: names)
    let described = try DatasetDescriptor.read(folder: shapes)
    #expect(described == DatasetDescriptor(name: "shapes", title: "shapes", classes: names, height: 32, width: 20, noun: "class"))
    #expect(described.labelText(2) == "triangle" && described.pixels == 640)
    // Without classes.txt the classes are numbered after the largest label.
    try FileManager.default.removeItem(atPath: shapes + "/classes.txt")
    let numbered = try DatasetDescriptor.read(folder: shapes)
    #expect(numbered.classes == ["0", "1", "2", "3", "4"] && numbered.labelText(3) == "class 3")
    // dataset.json, once written, is what the folder is.
    try SyntheticIDX.writeDataFolder(temporary.file("fashion"), height: 28, width: 28, classes: 10, train: 20, test: 10)
    try DatasetDescriptor.fashionMNIST.write(folder: temporary.file("fashion"))
    #expect(try DatasetDescriptor.read(folder: temporary.file("fashion")) == .fashionMNIST)
    // Images without both label files are unlabelled: no classes.
    try FileManager.default.removeItem(atPath: shapes + "/test-labels.idx")
    #expect(try DatasetDescriptor.read(folder: shapes).classes.isEmpty)
  }

  @Test func everyWayAFolderCanBeWrongIsOneMessageNamingTheFile() throws {
    let temporary = try TemporaryFolder("descriptor-bad")
    defer { temporary.remove() }
    func expectRefused(_ name: String, naming file: String, _ fragments: [String], spoil: (String) throws -> Void) throws {
      let folder = temporary.file(name)
      try SyntheticIDX.writeDataFolder(folder, height: 32, width: 32, classes: 5, train: 20, test: 10, classNames: ["a", "b", "c", "d", "e"])
      try spoil(folder)
      do {
        let described = try DatasetDescriptor.read(folder: folder)
        Issue.record("\(name): accepted as \(described)")
      } catch {
        let message = "\(error)"
        #expect(message.hasPrefix(folder + "/" + file) && !message.contains("\n"), "\(name): \(message)")
        for fragment in fragments { #expect(message.contains(fragment), "\(name): \(message) lacks \(fragment)") }
      }
    }
    try expectRefused("counts", naming: "train-labels.idx", ["holds 19 labels", "20 images"]) { folder in
      try Files.write(SyntheticIDX.uint8(shape: [19], values: [UInt8](repeating: 0, count: 19)), to: folder + "/train-labels.idx")
    }
    try expectRefused("label", naming: "test-labels.idx", ["label 5 at index 3", "outside 0...4"]) { folder in
      var labels = SyntheticIDX.patterned(count: 10, height: 32, width: 32, classes: 5).labels
      labels[3] = 5
      // classes.txt names five classes, so label 5 is one too many.
      try Files.write(SyntheticIDX.uint8(shape: [10], values: labels), to: folder + "/test-labels.idx")
    }
    try expectRefused("lines", naming: "classes.txt", ["names 7 classes", "labels run 0...4"]) { folder in
      try Files.write(Array("a\nb\nc\nd\ne\nf\ng\n".utf8), to: folder + "/classes.txt")
    }
    try expectRefused("empty line", naming: "classes.txt", ["line 2 is empty"]) { folder in
      try Files.write(Array("a\n\nc\nd\ne\n".utf8), to: folder + "/classes.txt")
    }
    try expectRefused("sizes", naming: "test-images.idx", ["32 x 32 like the training images"]) { folder in
      try Files.write(SyntheticIDX.uint8(shape: [10, 28, 28], values: [UInt8](repeating: 0, count: 7840)), to: folder + "/test-images.idx")
    }
    try expectRefused("missing", naming: "train-images.idx", ["no such file"]) { folder in
      try FileManager.default.removeItem(atPath: folder + "/train-images.idx")
    }
    try expectRefused("descriptor", naming: "dataset.json", ["not a data-set descriptor"]) { folder in
      try Files.write(Array(#"{"name": 3}"#.utf8), to: folder + "/dataset.json")
    }
    try expectRefused("descriptor size", naming: "train-images.idx", ["N x 28 x 28", "32 x 32"]) { folder in
      try DatasetDescriptor.fashionMNIST.write(folder: folder)
    }
  }
}
