package io.spinestream.producer.dicom;

import com.pixelmed.dicom.TagFromName;

/**
 * Refuses slices whose pixels cannot be a CT's Hounsfield units, which would otherwise reach the models as
 * saturated images and get scored: a negative RescaleSlope (CT numbers rise with attenuation), or a rescale
 * that pushes more than {@link #MAX_SATURATED_FRACTION} of the pixels beyond the int16 range, where the
 * conversion has to clamp them (e.g. RescaleSlope 1e30, RescaleIntercept -1e12). Real CT stays far inside
 * that range: air is -1000, padding -2000 or -3024, dense metal in the extended scale a few 10^4 at most on a
 * handful of pixels. Found by BadInputPipelineIT: such slices were accepted and scored.
 */
final class ValuePlausibility {
  static final double MAX_SATURATED_FRACTION = 0.01;

  private ValuePlausibility() {}

  static void check(PixelFormat format, short[] hounsfieldUnits, Attributes attributes, String source)
      throws DicomRejectedException {
    if (format.rescaleSlope() < 0) {
      throw attributes.invalid(TagFromName.RescaleSlope, "is " + format.rescaleSlope()
          + "; a CT's rescale slope is positive (Hounsfield units rise with attenuation)");
    }
    int saturated = 0;
    for (short value : hounsfieldUnits) {
      if (value == Short.MIN_VALUE || value == Short.MAX_VALUE) {
        saturated++;
      }
    }
    if (saturated > MAX_SATURATED_FRACTION * hounsfieldUnits.length) {
      throw new DicomRejectedException(RejectionReason.IMPLAUSIBLE_VALUES, String.format(
          "%s: %d of %d pixels fall outside -32768..32767 HU after RescaleSlope %s and RescaleIntercept %s and were "
              + "clamped: these are not a CT's Hounsfield units", source, saturated, hounsfieldUnits.length,
          format.rescaleSlope(), format.rescaleIntercept()));
    }
  }
}
