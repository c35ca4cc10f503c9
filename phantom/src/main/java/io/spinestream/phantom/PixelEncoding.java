package io.spinestream.phantom;

/**
 * How a study stores Hounsfield units in its pixel data. Scanners differ here, so the phantom varies it per
 * study and every reader downstream has to apply the DICOM header, not assume one: the encodings rotate with
 * the study index from a start chosen by the seed, so any three consecutive studies use all three.
 */
public enum PixelEncoding {
  /** BitsStored 12, HighBit 11, PixelRepresentation 0, RescaleIntercept -1024, RescaleSlope 1. */
  UNSIGNED_12(12, false, -1024),
  /** BitsStored 16, HighBit 15, PixelRepresentation 1, RescaleIntercept 0, RescaleSlope 1. */
  SIGNED_16(16, true, 0),
  /** BitsStored 16, HighBit 15, PixelRepresentation 0, RescaleIntercept -1024, RescaleSlope 1. */
  UNSIGNED_16(16, false, -1024);

  /** Lowest Hounsfield value every encoding can hold; rendered values are clamped to it. */
  public static final int MIN_HU = -1024;
  /** Highest Hounsfield value every encoding can hold (4095 - 1024 for 12 bits stored). */
  public static final int MAX_HU = 3071;

  private final int bitsStored;
  private final boolean signed;
  private final int rescaleIntercept;

  PixelEncoding(int bitsStored, boolean signed, int rescaleIntercept) {
    this.bitsStored = bitsStored;
    this.signed = signed;
    this.rescaleIntercept = rescaleIntercept;
  }

  public int bitsStored() {
    return bitsStored;
  }

  public int highBit() {
    return bitsStored - 1;
  }

  /** PixelRepresentation: 1 for two's complement, 0 for unsigned. */
  public int pixelRepresentation() {
    return signed ? 1 : 0;
  }

  public int rescaleIntercept() {
    return rescaleIntercept;
  }

  /** The stored pixel value of a Hounsfield value (slope is 1 in every encoding). */
  public short store(short hounsfield) {
    return (short) (clamp(hounsfield) - rescaleIntercept);
  }

  /** The Hounsfield value of a stored pixel value, as a reader applying the header would compute it. */
  public int decode(short stored) {
    int value = signed ? stored : stored & 0xFFFF;
    return value + rescaleIntercept;
  }

  /** Clamps to the range all encodings represent. */
  public static int clamp(int hounsfield) {
    return Math.max(MIN_HU, Math.min(MAX_HU, hounsfield));
  }
}
