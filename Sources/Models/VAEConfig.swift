/// The shape of a VAE: an MLP encoder to (mu, logVar) and an MLP decoder to Bernoulli logits.
///
/// The encoder is `inputSize -> hidden[0] -> ... -> hidden[n-1]`, then two
/// linear heads to `latent`; the decoder mirrors it: `latent -> hidden[n-1] ->
/// ... -> hidden[0] -> inputSize`. Every hidden layer is followed by
/// `activation` and, when `dropout > 0`, by inverted dropout while training.
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
  /// order (e.g. [32, 64]); the decoder's transposed convolutions mirror them. Unused for mlp.
  public var channels: [Int]

  public init(
    inputSize: Int = 784, hidden: [Int] = [400], latent: Int = 20, activation: Activation = .relu, dropout: Float = 0,
    initialization: WeightInitialization = .fanInUniform, condition: Int = 0,
    arch: Architecture = .mlp, channels: [Int] = [32, 64]
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
  }

  /// The pytorch/examples VAE: 784-400-20, ReLU, no dropout.
  public static let bench = VAEConfig()

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
  }

  /// Throws ``ModelError/invalidConfiguration(field:value:expected:)`` for the first bad field.
  public func validate() throws(ModelError) {
    if inputSize < 1 { throw .invalidConfiguration(field: "inputSize", value: "\(inputSize)", expected: "at least 1") }
    if hidden.isEmpty || hidden.contains(where: { $0 < 1 }) {
      throw .invalidConfiguration(field: "hidden", value: "\(hidden)", expected: "one or more widths, each at least 1")
    }
    if condition < 0 { throw .invalidConfiguration(field: "condition", value: "\(condition)", expected: "0 or more") }
    if latent < 1 { throw .invalidConfiguration(field: "latent", value: "\(latent)", expected: "at least 1") }
    if !(dropout >= 0 && dropout < 1) {
      throw .invalidConfiguration(field: "dropout", value: "\(dropout)", expected: "a probability in [0, 1)")
    }
  }
}
