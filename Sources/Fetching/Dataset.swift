import DataFiles
/// The digit-shaped data sets the pipeline knows how to fetch: each is four
/// gzip-compressed IDX files in MNIST's layout, with public mirrors and the
/// sums their publishers list.
public enum Dataset: String, CaseIterable, Sendable {
  /// LeCun, Cortes and Burges' handwritten digits.
  case mnist
  /// Zalando's clothing images (Xiao, Rasul and Vollgraf, 2017).
  case fashionMNIST = "fashion-mnist"
  /// Kuzushiji-MNIST, cursive Japanese characters (Clanuwat et al., 2018).
  case kmnist

  /// One compressed file of a data set.
  public struct File: Sendable, Equatable {
    /// The name mirrors serve it under, e.g. `train-images-idx3-ubyte.gz`.
    public var name: String
    public var split: Split
    public var member: DigitSet.Member
    /// The published sums.
    public var checksum: Checksum
    /// The published size in bytes, where known.
    public var size: Int64?

    /// The decompressed file's name, e.g. `train-images.idx` (t10k becomes test).
    public var idxName: String { member.fileName(split) }
  }

  /// What the data set is (classes, image size); `vae-decompress` writes it beside the IDX files.
  public var descriptor: DatasetDescriptor {
    switch self {
    case .mnist: return .mnist
    case .fashionMNIST: return .fashionMNIST
    case .kmnist: return .kmnist
    }
  }

  /// A readable name for messages.
  public var title: String { descriptor.title }

  /// Base URLs (ending in `/`) that serve the four files, tried in order.
  public var mirrors: [String] {
    switch self {
    case .mnist:
      return [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
      ]
    case .fashionMNIST:
      return [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
      ]
    case .kmnist:
      return ["https://codh.rois.ac.jp/kmnist/dataset/kmnist/", "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    }
  }

  /// The four files, training images first.
  public var files: [File] {
    // Order of the sums below: train images, train labels, test images, test labels.
    let layout: [(String, Split, DigitSet.Member)] = [
      ("train-images-idx3-ubyte.gz", .train, .images),
      ("train-labels-idx1-ubyte.gz", .train, .labels),
      ("t10k-images-idx3-ubyte.gz", .test, .images),
      ("t10k-labels-idx1-ubyte.gz", .test, .labels),
    ]
    let sums: [Checksum]
    var sizes: [Int64?] = [nil, nil, nil, nil]
    switch self {
    case .mnist:
      // SHA-256 from ../shared/data/mnist/SHA256SUMS; MD5 as published by torchvision and others.
      sums = [
        Checksum(
          sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
          md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        Checksum(
          sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
          md5: "d53e105ee54ea40749a09fcbcd1e9432"),
        Checksum(
          sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
          md5: "9fb629c4189551a2d022fa330f9573f3"),
        Checksum(
          sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
          md5: "ec29112dd5afa0611ce80d1b7f02629c"),
      ]
      sizes = [9_912_422, 28_881, 1_648_877, 4_542]
    case .fashionMNIST:
      // MD5s from the zalandoresearch/fashion-mnist README (also in torchvision).
      sums = [
        Checksum(md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        Checksum(md5: "25c81989df183df01b3e8a0aad5dffbe"),
        Checksum(md5: "bef4ecab320f06d8554ea6380940ec79"),
        Checksum(md5: "bb300cfdad3c16e7a12a480ee83cd310"),
      ]
    case .kmnist:
      // MD5s from torchvision's KMNIST (rois-codh/kmnist distribution).
      sums = [
        Checksum(md5: "bdb82020997e1d708af4cf47b453dcf7"),
        Checksum(md5: "e144d726b3acfaa3e44228e80efcd344"),
        Checksum(md5: "5c965bf0a639b31b8f53240b1b52f4d7"),
        Checksum(md5: "7320c461ea6c1c855c0b718fb2a4b134"),
      ]
    }
    return layout.indices.map { i in
      File(name: layout[i].0, split: layout[i].1, member: layout[i].2, checksum: sums[i], size: sizes[i])
    }
  }
}
