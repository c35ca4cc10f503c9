package io.spinestream.producer.dicom;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One decoded single-frame CT image: what the pipeline needs and nothing that identifies the patient
 * (no name, ID or birth date is ever read into it).
 *
 * @param instanceNumber InstanceNumber (0020,0013), or null when absent
 * @param imagePositionPatient (0020,0032), 3 values in mm
 * @param imageOrientationPatient (0020,0037), row then column direction cosines, 6 values
 * @param rowSpacingMm PixelSpacing[0]: distance between the centres of adjacent rows
 * @param columnSpacingMm PixelSpacing[1]: distance between the centres of adjacent columns
 * @param sliceThicknessMm (0018,0050), or null when absent
 * @param transferSyntaxUid the transfer syntax the object was encoded in
 * @param hounsfieldUnits rows x columns values, row-major: stored value masked to BitsStored, signed per
 *     PixelRepresentation, RescaleSlope and RescaleIntercept applied, rounded half away from zero and
 *     clamped to the int16 range
 */
public record DicomImage(
    String studyInstanceUid,
    String seriesInstanceUid,
    String sopInstanceUid,
    String sopClassUid,
    Integer instanceNumber,
    double[] imagePositionPatient,
    double[] imageOrientationPatient,
    int rows,
    int columns,
    double rowSpacingMm,
    double columnSpacingMm,
    Double sliceThicknessMm,
    String transferSyntaxUid,
    short[] hounsfieldUnits) {

  public DicomImage {
    Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
    Objects.requireNonNull(seriesInstanceUid, "seriesInstanceUid");
    Objects.requireNonNull(sopInstanceUid, "sopInstanceUid");
    if (imagePositionPatient.length != 3) {
      throw new IllegalArgumentException("ImagePositionPatient needs 3 values, has " + imagePositionPatient.length);
    }
    if (imageOrientationPatient.length != 6) {
      throw new IllegalArgumentException("ImageOrientationPatient needs 6 values, has " + imageOrientationPatient.length);
    }
    if (hounsfieldUnits.length != rows * columns) {
      throw new IllegalArgumentException("pixel count " + hounsfieldUnits.length + " != rows x columns = " + rows * columns);
    }
  }

  /**
   * Position along the slice normal: ImagePositionPatient projected on (row cosines x column cosines).
   * Slices of one series sort by it, whatever their InstanceNumber says.
   */
  public double zPositionMm() {
    double[] o = imageOrientationPatient;
    double nx = o[1] * o[5] - o[2] * o[4];
    double ny = o[2] * o[3] - o[0] * o[5];
    double nz = o[0] * o[4] - o[1] * o[3];
    double[] p = imagePositionPatient;
    return p[0] * nx + p[1] * ny + p[2] * nz;
  }

  /** The pixels as CtSlice carries them: little-endian int16, row-major. */
  public byte[] hounsfieldLittleEndian() {
    ByteBuffer buffer = ByteBuffer.allocate(hounsfieldUnits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asShortBuffer().put(hounsfieldUnits);
    return buffer.array();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DicomImage that
        && sopInstanceUid.equals(that.sopInstanceUid)
        && studyInstanceUid.equals(that.studyInstanceUid)
        && seriesInstanceUid.equals(that.seriesInstanceUid)
        && Objects.equals(sopClassUid, that.sopClassUid)
        && Objects.equals(instanceNumber, that.instanceNumber)
        && Arrays.equals(imagePositionPatient, that.imagePositionPatient)
        && Arrays.equals(imageOrientationPatient, that.imageOrientationPatient)
        && rows == that.rows && columns == that.columns
        && rowSpacingMm == that.rowSpacingMm && columnSpacingMm == that.columnSpacingMm
        && Objects.equals(sliceThicknessMm, that.sliceThicknessMm)
        && Objects.equals(transferSyntaxUid, that.transferSyntaxUid)
        && Arrays.equals(hounsfieldUnits, that.hounsfieldUnits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sopInstanceUid, rows, columns, Arrays.hashCode(hounsfieldUnits));
  }

  @Override
  public String toString() {
    return "DicomImage[sop=" + sopInstanceUid + ", series=" + seriesInstanceUid + ", " + rows + "x" + columns
        + ", z=" + zPositionMm() + ", ts=" + transferSyntaxUid + "]";
  }
}
