package io.spinestream.producer.dicom;

/**
 * Input size limits that protect the producer's memory from absurd or hostile objects.
 *
 * @param maxFileBytes largest file (or C-STORE object) read at all
 * @param maxRows largest Rows accepted
 * @param maxColumns largest Columns accepted
 * @param maxBytesInFlight files decoded at once may add up to this many bytes; a file waits for room. Decoding holds
 *     about three times a file's size (its bytes, PixelMed's values, the pixels), so this bounds the heap decoding
 *     uses whatever the number of decode threads. At least {@code maxFileBytes}, or the largest file never fits.
 */
public record DicomLimits(long maxFileBytes, int maxRows, int maxColumns, long maxBytesInFlight) {
  /**
   * 1024 x 1024 is the largest CT matrix in clinical use (2 MiB uncompressed); 64 MiB leaves room for any single
   * slice with large private data. 128 MiB in flight: two largest files, or dozens of ordinary ones, at once.
   */
  public static final DicomLimits DEFAULT = new DicomLimits(64L * 1024 * 1024, 1024, 1024, 128L * 1024 * 1024);

  public DicomLimits {
    if (maxFileBytes <= 0 || maxRows <= 0 || maxColumns <= 0) {
      throw new IllegalArgumentException("DICOM limits must be positive");
    }
    if (maxBytesInFlight < maxFileBytes) {
      throw new IllegalArgumentException("the decoding budget (" + maxBytesInFlight + " bytes) must be at least the "
          + "largest file (" + maxFileBytes + " bytes)");
    }
  }

  /** Limits with a decoding budget of twice the largest file. */
  public DicomLimits(long maxFileBytes, int maxRows, int maxColumns) {
    this(maxFileBytes, maxRows, maxColumns, 2 * maxFileBytes);
  }
}
