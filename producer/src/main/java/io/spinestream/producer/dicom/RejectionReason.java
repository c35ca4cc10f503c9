package io.spinestream.producer.dicom;

/** Why an input could not be ingested: each becomes a DeadLetter with this code. */
public enum RejectionReason {
  /** The file could not be read at all (vanished, permissions). */
  UNREADABLE,
  /** Not a DICOM object (no DICM preamble and no parseable data set). */
  NOT_DICOM,
  /** The data set ends early. */
  TRUNCATED,
  /** A CT image without (0x7FE0,0x0010) Pixel Data. */
  NO_PIXEL_DATA,
  /** A required attribute is absent (UIDs, Rows, Columns, PixelSpacing, ImagePositionPatient, ...). */
  MISSING_ATTRIBUTE,
  /** An attribute has a value the pipeline cannot use (wrong count, not a number, zero spacing, ...). */
  INVALID_ATTRIBUTE,
  /** Pixel data in a transfer syntax no installed decoder reads (e.g. JPEG-LS, HTJ2K). */
  UNSUPPORTED_TRANSFER_SYNTAX,
  /** Pixels the pipeline does not take: multi-frame, colour, BitsAllocated other than 8 or 16, ... */
  UNSUPPORTED_PIXEL_FORMAT,
  /** The decoder failed on the pixel data, or it decoded to the wrong size. */
  DECODE_FAILED,
  /** Larger than the configured limits (file bytes or rows x columns). */
  TOO_LARGE,
  /** Same size check across a series: a slice whose rows x columns differ from the series'. */
  INCONSISTENT_SIZE,
  /** Pixels that cannot be a CT's Hounsfield units: many beyond the int16 range after rescaling (clamped). */
  IMPLAUSIBLE_VALUES
}
