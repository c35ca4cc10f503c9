package io.spinestream.producer.dicom;

import java.nio.file.Path;

/**
 * Reads one DICOM object through PixelMed and decodes its pixels to Hounsfield units, for every transfer
 * syntax a CT archive holds. Stateless and thread-safe: decode files on several threads with one reader.
 */
public final class DicomReader {
  private final DicomLimits limits;

  public DicomReader(DicomLimits limits) {
    this.limits = limits;
  }

  public DicomLimits limits() {
    return limits;
  }

  /**
   * Reads the file: a CT image slice, or a skip with its reason.
   *
   * @throws DicomRejectedException when the file cannot be ingested, with the reason for its DeadLetter
   */
  public DicomReadResult read(Path file) throws DicomRejectedException {
    throw new DicomRejectedException(RejectionReason.UNSUPPORTED_TRANSFER_SYNTAX,
        "DICOM decoding is not implemented yet: " + file);
  }
}
