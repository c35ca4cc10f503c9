package io.spinestream.producer.assembly;

/** What series assembly says about a new slice. */
public sealed interface Admission permits Admission.Accepted, Admission.Duplicate, Admission.WrongSize {

  /** New in its series: send it. */
  record Accepted() implements Admission {}

  /** Its SOP Instance UID is already in the series: do not send it again. */
  record Duplicate(String sopInstanceUid) implements Admission {}

  /** Its rows x columns differ from the series' (set by the series' first slice): dead-letter it. */
  record WrongSize(int expectedRows, int expectedColumns) implements Admission {}
}
