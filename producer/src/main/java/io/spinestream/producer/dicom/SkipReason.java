package io.spinestream.producer.dicom;

/** Why a valid DICOM object is not ingested. */
public enum SkipReason {
  /** Modality (or SOP class) other than CT. */
  NOT_CT,
  /** ImageType contains LOCALIZER (scout, topogram): not an axial slice. */
  LOCALIZER,
  /** No image at all: structured report, presentation state, raw data, ... */
  NOT_AN_IMAGE
}
