/// The shape of a VAE: an encoder to (mu, logVar) and a decoder to Bernoulli logits.
///
/// ``Architecture/mlp``: the encoder is `inputSize -> hidden[0] -> ... -> hidden[n-1]`,
/// then two linear heads to `latent`; the decoder mirrors it: `latent -> hidden[n-1] ->
/// ... -> hidden[0] -> inputSize`. Every hidden layer is followed by
/// `activation` and, when `dropout > 0`, by inverted dropout while training.
///
/// ``Architecture/conv``: the image (a square, `inputSize` = S * S) first goes through one
/// stride-2 convolution per entry of `channels` (kernel 4, padding 1, so S -> S/2 -> ...,
/// each followed by `activation`), is flattened, and then goes through `hidden` (which may
/// be empty) and the heads as above. The decoder runs `hidden` reversed, then a dense layer
/// to the last convolution's feature map (with `activation`), then transposed convolutions
/// back up to S x S with 1 channel of logits. See ``VAE`` for the tensors.
public struct VAEConfig: Codable, Equatable, Sendable {
  /// Pixels per image (784 for MNIST).
  public var inputSize: Int
  /// Widths of the encoder's hidden layers; the decoder uses them reversed.
  public var hidden: [Int]
  /// The latent dimension Z.
  public var latent: Int
  /// The nonlinearity after each hidden layer.
  public var activation: Activation
  /// The probability of zeroing a hidden unit while training, in [0, 1).
  public var dropout: Float
  /// How initial parameters are drawn.
  public var initialization: WeightInitialization
  /// C, the width of the condition vector of a conditional VAE (Sohn et al., 2015), 0 for a
  /// plain VAE. The condition is concatenated to the encoder's input (D + C) and to z at the
  /// decoder (Z + C).
  public var condition: Int
  /// The layer family: ``Architecture/mlp`` or ``Architecture/conv``.
  public var arch: Architecture
  /// With ``Architecture/conv``: the output channels of the encoder's stride-2 convolutions, in
  /// order (e.g. [8, 32], the default); the decoder's transposed convolutions mirror them. Unused for mlp.
  public var channels: [Int]
  /// p(z | c): N(0, I) (``Prior/standard``), a prior network of its own (``Prior/learned``, C > 0
  /// only), or no latent code at all (``Prior/none``, C > 0 only). Written to a config only
  /// when not standard, so the files of every earlier run keep their bytes and meaning.
  public var prior: Prior {
    get { storedPrior ?? .standard }
    set { storedPrior = newValue == .standard ? nil : newValue }
  }
  /// Whether the decoder reads the condition beside z (p(x | z, c), the default) or z alone
  /// (p(x | z), as the generation network of Pyro's CVAE example: with a learned prior, all it
  /// knows of the condition then comes through the prior network's code). Written only when false.
  public var decoderReadsCondition: Bool {
    get { storedDecoderReadsCondition ?? true }
    set { storedDecoderReadsCondition = newValue ? nil : false }
  }
  // nil for the defaults, which the synthesised encoding then leaves out of the file.
  var storedPrior: Prior?
  var storedDecoderReadsCondition: Bool?

  public init(
    inputSize: Int = 784, hidden: [Int] = [400], latent: Int = 20, activation: Activation = .relu, dropout: Float = 0,
    initialization: WeightInitialization = .fanInUniform, condition: Int = 0,
    arch: Architecture = .mlp, channels: [Int] = VAEConfig.defaultConvChannels, prior: Prior = .standard,
    decoderReadsCondition: Bool = true
  ) {
    self.inputSize = inputSize
    self.hidden = hidden
    self.latent = latent
    self.activation = activation
    self.dropout = dropout
    self.initialization = initialization
    self.condition = condition
    self.arch = arch
    self.channels = channels
    self.prior = prior
    self.decoderReadsCondition = decoderReadsCondition
  }

  /// The condition columns the decoder's first layer reads: C, or 0 when it reads z alone.
  public var decoderCondition: Int { decoderReadsCondition ? condition : 0 }

  /// The pytorch/examples VAE: 784-400-20, ReLU, no dropout.
  public static let bench = VAEConfig()

  /// The default convolutional VAE: ``defaultConvChannels`` and ``defaultConvHidden``, latent 20, ReLU.
  public static let conv = VAEConfig(hidden: defaultConvHidden, arch: .conv, channels: defaultConvChannels)

  /// The convolutions' channels of a conv model when none are given.
  public static let defaultConvChannels = [8, 32]
  /// The dense hidden layers of a conv model when none are given (none: the heads read the features).
  public static let defaultConvHidden: [Int] = []
  /// The largest channel count of a convolution.
  public static let maxChannels = 256
  /// The largest image, in pixels (1024 x 1024; MNIST is 784). Configs come from files
  /// (config.json, a checkpoint's metadata): every size a file can set has a ceiling.
  public static let maxInputSize = 1 << 20
  /// The widest hidden layer or latent code (`vae-train --hidden` takes up to 8192).
  public static let maxWidth = 1 << 16
  /// The most hidden layers.
  public static let maxHiddenLayers = 64
  /// The most parameters a model may have: 10^8 floats are 400 MB, and training keeps
  /// four such buffers (weights, gradients, two Adam moments). The bench model has 0.65 M.
  public static let maxParameters = 100_000_000

  /// The side S of the square image (inputSize = S * S), or nil when inputSize is not a square.
  public var imageSide: Int? {
    // Beyond the ceiling (side + 1)^2 can overflow; validate() refuses such sizes anyway.
    guard (0...Self.maxInputSize).contains(inputSize) else { return nil }
    var side = Int(Double(inputSize).squareRoot().rounded())
    while side * side > inputSize { side -= 1 }
    while (side + 1) * (side + 1) <= inputSize { side += 1 }
    return side * side == inputSize ? side : nil
  }

  /// The side of the last convolution's feature map, S / 2^channels.count (conv only).
  public var featureSide: Int { (imageSide ?? 0) >> channels.count }

  /// F, the width of the flattened feature map the dense part reads (conv only):
  /// featureSide^2 * channels.last.
  public var features: Int { featureSide * featureSide * (channels.last ?? 0) }

  /// Missing keys take the defaults of ``init(inputSize:hidden:latent:activation:dropout:initialization:condition:arch:channels:)``.
  public init(from decoder: Decoder) throws {
    let defaults = VAEConfig()
    let c = try decoder.container(keyedBy: CodingKeys.self)
    inputSize = try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? defaults.inputSize
    hidden = try c.decodeIfPresent([Int].self, forKey: .hidden) ?? defaults.hidden
    latent = try c.decodeIfPresent(Int.self, forKey: .latent) ?? defaults.latent
    activation = try c.decodeIfPresent(Activation.self, forKey: .activation) ?? defaults.activation
    dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? defaults.dropout
    initialization = try c.decodeIfPresent(WeightInitialization.self, forKey: .initialization) ?? defaults.initialization
    condition = try c.decodeIfPresent(Int.self, forKey: .condition) ?? defaults.condition
    arch = try c.decodeIfPresent(Architecture.self, forKey: .arch) ?? defaults.arch
    channels = try c.decodeIfPresent([Int].self, forKey: .channels) ?? defaults.channels
    prior = try c.decodeIfPresent(Prior.self, forKey: .storedPrior) ?? defaults.prior
    decoderReadsCondition = try c.decodeIfPresent(Bool.self, forKey: .storedDecoderReadsCondition) ?? defaults.decoderReadsCondition
  }

  enum CodingKeys: String, CodingKey {
    case inputSize, hidden, latent, activation, dropout, initialization, condition, arch, channels
    case storedPrior = "prior", storedDecoderReadsCondition = "decoderReadsCondition"
  }

  /// Throws ``ModelError/invalidConfiguration(field:value:expected:)`` for the first bad field.
  public func validate() throws(ModelError) {
    if !(1...Self.maxInputSize).contains(inputSize) {
      throw .invalidConfiguration(field: "inputSize", value: "\(inputSize)", expected: "1...\(Self.maxInputSize) pixels")
    }
    if hidden.count > Self.maxHiddenLayers || hidden.contains(where: { $0 > Self.maxWidth }) {
      throw .invalidConfiguration(
        field: "hidden", value: Self.shortList(hidden),
        expected: "at most \(Self.maxHiddenLayers) layers of at most \(Self.maxWidth) units")
    }
    if latent > Self.maxWidth { throw .invalidConfiguration(field: "latent", value: "\(latent)", expected: "1...\(Self.maxWidth)") }
    // The largest condition in use is an inpainting model's pixels and mask, 2 x inputSize.
    if condition > 2 * Self.maxInputSize {
      throw .invalidConfiguration(field: "condition", value: "\(condition)", expected: "0...\(2 * Self.maxInputSize)")
    }
    switch arch {
    case .mlp:
      if hidden.isEmpty || hidden.contains(where: { $0 < 1 }) {
        throw .invalidConfiguration(field: "hidden", value: "\(hidden)", expected: "one or more widths, each at least 1")
      }
    case .conv:
      if hidden.contains(where: { $0 < 1 }) {
        throw .invalidConfiguration(field: "hidden", value: "\(hidden)", expected: "widths each at least 1 (none is allowed for conv)")
      }
      if channels.isEmpty || channels.contains(where: { !(1...Self.maxChannels).contains($0) }) {
        throw .invalidConfiguration(
          field: "channels", value: "\(channels)", expected: "one or more channel counts, each 1...\(Self.maxChannels)")
      }
      guard let side = imageSide else {
        throw .invalidConfiguration(field: "inputSize", value: "\(inputSize)", expected: "a square image (S * S pixels) for conv")
      }
      // Each stride-2 convolution halves the side exactly (kernel 4, padding 1).
      if channels.count > 20 || side % (1 << channels.count) != 0 {
        throw .invalidConfiguration(
          field: "channels", value: "\(channels)",
          expected: "a side divisible by 2^\(channels.count) (one halving per convolution); \(side) x \(side) images allow \(Self.maxHalvings(side)) convolutions at most")
      }
    }
    if prior != .standard && condition == 0 {
      throw .invalidConfiguration(field: "prior", value: prior.rawValue, expected: "standard for a model without a condition")
    }
    if !decoderReadsCondition && prior != .learned {
      throw .invalidConfiguration(
        field: "decoderReadsCondition", value: "false", expected: "true unless the prior is learned (the code must carry the condition)")
    }
    if condition < 0 { throw .invalidConfiguration(field: "condition", value: "\(condition)", expected: "0 or more") }
    if latent < 1 { throw .invalidConfiguration(field: "latent", value: "\(latent)", expected: "at least 1") }
    if !(dropout >= 0 && dropout < 1) {
      throw .invalidConfiguration(field: "dropout", value: "\(dropout)", expected: "a probability in [0, 1)")
    }
    // Every size is bounded now, so the layout can be built; count it without trusting it.
    var total = 0
    for tensor in VAE.tensorLayout(self) {
      let count = tensor.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
      total = total.addingReportingOverflow(count).overflow ? Int.max : total + count
    }
    if total > Self.maxParameters {
      throw .invalidConfiguration(
        field: "model", value: total == Int.max ? "more than 2^63 parameters" : "\(total) parameters",
        expected: "at most \(Self.maxParameters) parameters")
    }
  }

  /// A list for messages, cut after 8 items (a hostile file can hold thousands).
  static func shortList(_ values: [Int]) -> String {
    values.count <= 8 ? "\(values)" : "[" + values.prefix(8).map(String.init).joined(separator: ", ") + ", ... (\(values.count) in all)]"
  }

  /// How many times `side` halves exactly.
  static func maxHalvings(_ side: Int) -> Int {
    var (n, s) = (0, side)
    while s > 0 && s % 2 == 0 {
      n += 1
      s /= 2
    }
    return n
  }
}
