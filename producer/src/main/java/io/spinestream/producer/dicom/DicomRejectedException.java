package io.spinestream.producer.dicom;

/** An input the producer cannot ingest, with the reason that goes into its DeadLetter. */
public final class DicomRejectedException extends Exception {
  private final RejectionReason reason;

  public DicomRejectedException(RejectionReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public DicomRejectedException(RejectionReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public RejectionReason reason() {
    return reason;
  }
}
