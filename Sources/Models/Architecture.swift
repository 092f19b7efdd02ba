/// The layer family of a VAE's encoder and decoder.
public enum Architecture: String, Codable, Sendable, CaseIterable {
  /// Fully connected layers (``VAEConfig/hidden``), as in the pytorch/examples VAE.
  case mlp
  /// Stride-2 convolutions (``VAEConfig/channels``) then dense layers in the encoder, and
  /// dense layers then transposed convolutions in the decoder.
  case conv
}
