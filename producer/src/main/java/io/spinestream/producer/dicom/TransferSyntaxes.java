package io.spinestream.producer.dicom;

import java.util.Map;
import java.util.Set;

/** The transfer syntaxes the reader decodes, and the names of those it does not, for clear rejections. */
final class TransferSyntaxes {
  static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
  static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
  static final String DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99";
  static final String EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2";
  static final String RLE_LOSSLESS = "1.2.840.10008.1.2.5";
  static final String JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
  static final String JPEG_EXTENDED = "1.2.840.10008.1.2.4.51";
  static final String JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";
  static final String JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";
  static final String JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90";
  static final String JPEG_2000 = "1.2.840.10008.1.2.4.91";

  private static final Set<String> NATIVE = Set.of(
      IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN);
  private static final Set<String> JPEG = Set.of(JPEG_BASELINE, JPEG_EXTENDED, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1);
  private static final Set<String> JPEG_2000_FAMILY = Set.of(JPEG_2000_LOSSLESS, JPEG_2000);

  private static final Map<String, String> NAMES = Map.ofEntries(
      Map.entry(IMPLICIT_VR_LITTLE_ENDIAN, "Implicit VR Little Endian"),
      Map.entry(EXPLICIT_VR_LITTLE_ENDIAN, "Explicit VR Little Endian"),
      Map.entry(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "Deflated Explicit VR Little Endian"),
      Map.entry(EXPLICIT_VR_BIG_ENDIAN, "Explicit VR Big Endian"),
      Map.entry(RLE_LOSSLESS, "RLE Lossless"),
      Map.entry(JPEG_BASELINE, "JPEG Baseline (Process 1)"),
      Map.entry(JPEG_EXTENDED, "JPEG Extended (Process 2 & 4)"),
      Map.entry("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5), retired"),
      Map.entry("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection (Process 6 & 8), retired"),
      Map.entry("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection (Process 7 & 9), retired"),
      Map.entry("1.2.840.10008.1.2.4.55", "JPEG Full Progression (Process 10 & 12), retired"),
      Map.entry("1.2.840.10008.1.2.4.56", "JPEG Full Progression (Process 11 & 13), retired"),
      Map.entry(JPEG_LOSSLESS, "JPEG Lossless, Non-Hierarchical (Process 14)"),
      Map.entry("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15), retired"),
      Map.entry(JPEG_LOSSLESS_SV1, "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)"),
      Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
      Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)"),
      Map.entry(JPEG_2000_LOSSLESS, "JPEG 2000 (Lossless Only)"),
      Map.entry(JPEG_2000, "JPEG 2000"),
      Map.entry("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)"),
      Map.entry("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
      Map.entry("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
      Map.entry("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
      Map.entry("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile @ Main Level"),
      Map.entry("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile @ High Level"),
      Map.entry("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
      Map.entry("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
      Map.entry("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
      Map.entry("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
      Map.entry("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
      Map.entry("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
      Map.entry("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1"),
      Map.entry("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
      Map.entry("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression"),
      Map.entry("1.2.840.10008.1.2.4.112", "JPEG XL"),
      Map.entry("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)"),
      Map.entry("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)"),
      Map.entry("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
      Map.entry("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced"),
      Map.entry("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate"),
      Map.entry("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation, retired"),
      Map.entry("1.2.840.10008.1.2.6.2", "XML Encoding, retired"),
      Map.entry("1.2.840.10008.1.2.7.1", "SMPTE ST 2110-20 Uncompressed Progressive Active Video"),
      Map.entry("1.2.840.10008.1.2.7.2", "SMPTE ST 2110-20 Uncompressed Interlaced Active Video"),
      Map.entry("1.2.840.10008.1.2.7.3", "SMPTE ST 2110-30 PCM Digital Audio"),
      Map.entry("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression"));

  private TransferSyntaxes() {}

  /** "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)", for messages. */
  static String describe(String uid) {
    return uid + " (" + NAMES.getOrDefault(uid, "unknown transfer syntax") + ")";
  }

  static boolean isSupported(String uid) {
    return NATIVE.contains(uid) || isEncapsulatedSupported(uid);
  }

  static boolean isNative(String uid) {
    return NATIVE.contains(uid);
  }

  static boolean isJpeg(String uid) {
    return JPEG.contains(uid);
  }

  static boolean isJpeg2000(String uid) {
    return JPEG_2000_FAMILY.contains(uid);
  }

  private static boolean isEncapsulatedSupported(String uid) {
    return RLE_LOSSLESS.equals(uid) || JPEG.contains(uid) || JPEG_2000_FAMILY.contains(uid);
  }
}
