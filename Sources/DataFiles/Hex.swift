/// Lower-case hexadecimal text for digests.
public enum Hex {
  public static func string(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format2hex: $0) }.joined()
  }
}
