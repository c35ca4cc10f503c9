package io.spinestream.producer.dicom;

import com.pixelmed.dicom.TagFromName;

/**
 * The Image Pixel module of one CT slice, validated: a single monochrome sample of 8 or 16 bits per pixel,
 * within the size limits.
 */
record PixelFormat(int rows, int columns, int bitsAllocated, int bitsStored, boolean signed, double rescaleSlope,
    double rescaleIntercept) {

  int pixelCount() {
    return rows * columns;
  }

  HounsfieldConverter converter() {
    return new HounsfieldConverter(bitsStored, signed, rescaleSlope, rescaleIntercept);
  }

  static PixelFormat read(Attributes attributes, DicomLimits limits, String source) throws DicomRejectedException {
    int samplesPerPixel = attributes.intOrDefault(TagFromName.SamplesPerPixel, 1);
    if (samplesPerPixel != 1) {
      throw unsupported(source, "SamplesPerPixel is " + samplesPerPixel + "; only single-sample (grey) CT is taken");
    }
    String photometric = attributes.optionalString(TagFromName.PhotometricInterpretation);
    if (photometric != null && !photometric.equals("MONOCHROME1") && !photometric.equals("MONOCHROME2")) {
      throw unsupported(source, "PhotometricInterpretation is " + photometric + "; only MONOCHROME1/2 is taken");
    }
    int rows = attributes.requiredInt(TagFromName.Rows);
    int columns = attributes.requiredInt(TagFromName.Columns);
    if (rows <= 0) {
      throw attributes.invalid(TagFromName.Rows, "is " + rows);
    }
    if (columns <= 0) {
      throw attributes.invalid(TagFromName.Columns, "is " + columns);
    }
    if (rows > limits.maxRows() || columns > limits.maxColumns() || (long) rows * columns > Integer.MAX_VALUE / 2) {
      throw new DicomRejectedException(RejectionReason.TOO_LARGE, source + ": " + rows + " x " + columns
          + " pixels exceed the limit of " + limits.maxRows() + " x " + limits.maxColumns());
    }
    int bitsAllocated = attributes.requiredInt(TagFromName.BitsAllocated);
    if (bitsAllocated != 8 && bitsAllocated != 16) {
      throw unsupported(source, "BitsAllocated is " + bitsAllocated + "; only 8 and 16 are taken");
    }
    int bitsStored = attributes.intOrDefault(TagFromName.BitsStored, bitsAllocated);
    if (bitsStored < 1 || bitsStored > bitsAllocated) {
      throw attributes.invalid(TagFromName.BitsStored, "is " + bitsStored + " with BitsAllocated " + bitsAllocated);
    }
    int highBit = attributes.intOrDefault(TagFromName.HighBit, bitsStored - 1);
    if (highBit != bitsStored - 1) {
      // The CT Image module requires it; pixels shifted up inside their cell would come out wrong otherwise.
      throw attributes.invalid(TagFromName.HighBit, "is " + highBit + " with BitsStored " + bitsStored
          + "; CT requires HighBit = BitsStored - 1");
    }
    int pixelRepresentation = attributes.intOrDefault(TagFromName.PixelRepresentation, 0);
    if (pixelRepresentation != 0 && pixelRepresentation != 1) {
      throw attributes.invalid(TagFromName.PixelRepresentation, "is " + pixelRepresentation + ", must be 0 or 1");
    }
    double slope = attributes.doubleOrDefault(TagFromName.RescaleSlope, 1.0);
    if (slope == 0) {
      throw attributes.invalid(TagFromName.RescaleSlope, "is 0");
    }
    double intercept = attributes.doubleOrDefault(TagFromName.RescaleIntercept, 0.0);
    return new PixelFormat(rows, columns, bitsAllocated, bitsStored, pixelRepresentation == 1, slope, intercept);
  }

  private static DicomRejectedException unsupported(String source, String problem) {
    return new DicomRejectedException(RejectionReason.UNSUPPORTED_PIXEL_FORMAT, source + ": " + problem);
  }
}
