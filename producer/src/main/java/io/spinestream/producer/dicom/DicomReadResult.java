package io.spinestream.producer.dicom;

/** What reading one DICOM object gave: a CT image for the pipeline, or an object it does not take. */
public sealed interface DicomReadResult permits DicomReadResult.Image, DicomReadResult.Skipped {

  /** A single-frame CT image slice, decoded. */
  record Image(DicomImage image) implements DicomReadResult {}

  /**
   * A valid DICOM object that is not a CT image slice (another modality, a localizer, a report). Not an
   * error: it is logged and counted with its reason, and never goes on.
   *
   * @param sopInstanceUid when the object has one, else null
   * @param detail what it is, for the log, e.g. "Modality MR"
   */
  record Skipped(SkipReason reason, String sopInstanceUid, String detail) implements DicomReadResult {}
}
