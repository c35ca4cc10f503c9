package io.spinestream.producer.dicom;

/**
 * Input size limits that protect the producer's memory from absurd or hostile objects.
 *
 * @param maxFileBytes largest file read at all
 * @param maxRows largest Rows accepted
 * @param maxColumns largest Columns accepted
 */
public record DicomLimits(long maxFileBytes, int maxRows, int maxColumns) {
  /** 1024 x 1024 is the largest CT matrix in clinical use; 256 MiB covers any such file uncompressed. */
  public static final DicomLimits DEFAULT = new DicomLimits(256L * 1024 * 1024, 1024, 1024);

  public DicomLimits {
    if (maxFileBytes <= 0 || maxRows <= 0 || maxColumns <= 0) {
      throw new IllegalArgumentException("DICOM limits must be positive");
    }
  }
}
