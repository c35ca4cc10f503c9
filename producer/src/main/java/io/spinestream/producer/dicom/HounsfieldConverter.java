package io.spinestream.producer.dicom;

/**
 * Stored pixel values to Hounsfield units, as PS3.3 defines them for CT (Image Pixel and CT Image modules).
 *
 * <p>For each sample: keep the low {@code bitsStored} bits (bits above HighBit, which must be BitsStored - 1,
 * may hold garbage or overlays and are ignored); sign-extend from bit {@code bitsStored - 1} when
 * PixelRepresentation is 1; then {@code HU = value * RescaleSlope + RescaleIntercept}, rounded half away from
 * zero and clamped to [-32768, 32767]. Photometric interpretation plays no part.
 *
 * <p>Input samples may come signed or unsigned from a decoder (JPEG lossless gives unsigned 16-bit, JPEG 2000
 * gives signed for signed streams): masking first makes both read the same. Immutable and thread-safe.
 */
public final class HounsfieldConverter {
  private final int bitsStored;
  private final boolean signed;
  private final double slope;
  private final double intercept;
  private final int mask;
  private final int signShift;
  /** Slope 1 and an integer intercept (nearly every CT): plain integer arithmetic, no rounding needed. */
  private final boolean integerPath;
  private final int integerIntercept;

  /**
   * @param bitsStored BitsStored (0028,0101), 1..16
   * @param signed PixelRepresentation (0028,0103) is 1
   * @param slope RescaleSlope (0028,1053), 1 when absent
   * @param intercept RescaleIntercept (0028,1052), 0 when absent
   */
  public HounsfieldConverter(int bitsStored, boolean signed, double slope, double intercept) {
    if (bitsStored < 1 || bitsStored > 16) {
      throw new IllegalArgumentException("BitsStored must be 1..16, is " + bitsStored);
    }
    if (!Double.isFinite(slope) || !Double.isFinite(intercept)) {
      throw new IllegalArgumentException("rescale must be finite: slope " + slope + ", intercept " + intercept);
    }
    this.bitsStored = bitsStored;
    this.signed = signed;
    this.slope = slope;
    this.intercept = intercept;
    this.mask = (1 << bitsStored) - 1;
    this.signShift = 32 - bitsStored;
    this.integerPath = slope == 1.0 && intercept == Math.rint(intercept) && Math.abs(intercept) < (1 << 20);
    this.integerIntercept = (int) intercept;
  }

  public int bitsStored() {
    return bitsStored;
  }

  public boolean signed() {
    return signed;
  }

  public double slope() {
    return slope;
  }

  public double intercept() {
    return intercept;
  }

  /** The stored value a raw sample holds: masked to BitsStored and, if signed, sign-extended. */
  public int storedValue(int rawSample) {
    int value = rawSample & mask;
    return signed ? (value << signShift) >> signShift : value;
  }

  /** Hounsfield units of one raw sample, in the int16 range. */
  public short toHounsfield(int rawSample) {
    int value = storedValue(rawSample);
    if (integerPath) {
      return clamp(value + integerIntercept);
    }
    return roundAndClamp(value * slope + intercept);
  }

  /** Hounsfield units of the first {@code count} 16-bit raw samples. */
  public short[] convert(short[] raw, int count) {
    checkCount(raw.length, count);
    short[] hu = new short[count];
    if (integerPath) {
      for (int i = 0; i < count; i++) {
        hu[i] = clamp(storedValue(raw[i]) + integerIntercept);
      }
    } else {
      for (int i = 0; i < count; i++) {
        hu[i] = roundAndClamp(storedValue(raw[i]) * slope + intercept);
      }
    }
    return hu;
  }

  /** Hounsfield units of the first {@code count} 8-bit raw samples. */
  public short[] convert(byte[] raw, int count) {
    checkCount(raw.length, count);
    short[] hu = new short[count];
    for (int i = 0; i < count; i++) {
      hu[i] = toHounsfield(raw[i] & 0xFF);
    }
    return hu;
  }

  /** Hounsfield units of the first {@code count} raw samples held in ints. */
  public short[] convert(int[] raw, int count) {
    checkCount(raw.length, count);
    short[] hu = new short[count];
    for (int i = 0; i < count; i++) {
      hu[i] = toHounsfield(raw[i]);
    }
    return hu;
  }

  private static void checkCount(int available, int count) {
    if (count < 0 || count > available) {
      throw new IllegalArgumentException("asked for " + count + " samples, have " + available);
    }
  }

  private static short clamp(int value) {
    return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, value));
  }

  private static short roundAndClamp(double value) {
    if (value >= Short.MAX_VALUE) {
      return Short.MAX_VALUE;
    }
    if (value <= Short.MIN_VALUE) {
      return Short.MIN_VALUE;
    }
    double rounded = value < 0 ? -Math.floor(-value + 0.5) : Math.floor(value + 0.5);
    return (short) rounded;
  }

  @Override
  public String toString() {
    return "HounsfieldConverter[bitsStored=" + bitsStored + ", signed=" + signed + ", slope=" + slope
        + ", intercept=" + intercept + "]";
  }
}
