package io.spinestream.producer;

import java.util.List;

/**
 * The transfer syntaxes a CT archive holds, each with the third-party encoder that produces it from an
 * Explicit VR Little Endian file ({@code IN} and {@code OUT} stand for the file names).
 *
 * @param lossless HU must come out exactly as the original's
 * @param supported the producer decodes it (else: dead letter UNSUPPORTED_TRANSFER_SYNTAX)
 * @param uncompressed native pixel data (over the network these are negotiated, not kept)
 */
enum TransferSyntax {
  IMPLICIT_LE("1.2.840.10008.1.2", true, true, List.of("dcmconv", "+ti", "IN", "OUT")),
  EXPLICIT_LE("1.2.840.10008.1.2.1", true, true, List.of("dcmconv", "+te", "IN", "OUT")),
  EXPLICIT_BE("1.2.840.10008.1.2.2", true, true, List.of("dcmconv", "+tb", "IN", "OUT")),
  DEFLATED("1.2.840.10008.1.2.1.99", true, true, List.of("dcmconv", "+td", "IN", "OUT")),
  RLE("1.2.840.10008.1.2.5", true, true, List.of("dcmcrle", "IN", "OUT")),
  JPEG_LOSSLESS_P14("1.2.840.10008.1.2.4.57", true, true, List.of("dcmcjpeg", "+el", "IN", "OUT")),
  JPEG_LOSSLESS_SV1("1.2.840.10008.1.2.4.70", true, true, List.of("dcmcjpeg", "+e1", "IN", "OUT")),
  JPEG_EXTENDED_12BIT("1.2.840.10008.1.2.4.51", false, true, List.of("dcmcjpeg", "+ee", "+q", "90", "IN", "OUT")),
  J2K_LOSSLESS("1.2.840.10008.1.2.4.90", true, true, List.of("gdcmconv", "--j2k", "IN", "OUT")),
  J2K_LOSSY("1.2.840.10008.1.2.4.91", false, true, List.of("gdcmconv", "--j2k", "--lossy", "-r", "5", "IN", "OUT")),
  JPEG_LS_LOSSLESS("1.2.840.10008.1.2.4.80", true, false, List.of("dcmcjpls", "IN", "OUT"));

  final String uid;
  final boolean lossless;
  final boolean supported;
  final boolean uncompressed;
  final List<String> encoder;

  TransferSyntax(String uid, boolean lossless, boolean supported, List<String> encoder) {
    this.uid = uid;
    this.lossless = lossless;
    this.supported = supported;
    this.uncompressed = encoder.get(0).equals("dcmconv");
    this.encoder = encoder;
  }
}
