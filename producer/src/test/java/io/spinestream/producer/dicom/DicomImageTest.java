package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DicomImageTest {

  @Test
  void shouldTakeZFromImagePositionForAnAxialSlice() {
    DicomImage image = image(new double[] {-120, -95.5, 312.25}, new double[] {1, 0, 0, 0, 1, 0});

    assertThat(image.zPositionMm()).isEqualTo(312.25);
  }

  @Test
  void shouldProjectThePositionOnTheSliceNormalForAGantryTilt() {
    double tilt = Math.toRadians(20);
    // rows along x; columns tilted about x: normal = row x column = (0, sin t, cos t)
    double[] orientation = {1, 0, 0, 0, Math.cos(tilt), -Math.sin(tilt)};
    DicomImage image = image(new double[] {-100, -50, 30}, orientation);

    assertThat(image.zPositionMm()).isCloseTo(-50 * Math.sin(tilt) + 30 * Math.cos(tilt), within(1e-9));
  }

  @Test
  void shouldOrderObliqueSlicesAlongTheirNormalWhateverTheirPosition() {
    double s = Math.sqrt(0.5);
    double[] orientation = {s, s, 0, 0, 0, -1}; // normal = (-s, s, 0)
    double[] normal = {-s, s, 0};
    double[] inPlaneOffset = {s * 40, s * 40, -25}; // moves within the slice plane only
    DicomImage first = image(new double[] {10, 20, 5}, orientation);
    DicomImage shifted = image(new double[] {10 + inPlaneOffset[0], 20 + inPlaneOffset[1], 5 + inPlaneOffset[2]},
        orientation);
    DicomImage next = image(new double[] {10 + 2.5 * normal[0], 20 + 2.5 * normal[1], 5}, orientation);

    assertThat(first.zPositionMm()).isCloseTo(-s * 10 + s * 20, within(1e-9));
    assertThat(shifted.zPositionMm()).isCloseTo(first.zPositionMm(), within(1e-9));
    assertThat(next.zPositionMm() - first.zPositionMm()).isCloseTo(2.5, within(1e-9));
  }

  @Test
  void shouldCarryPixelsAsLittleEndianInt16() {
    DicomImage image = new DicomImage("1", "2", "3", null, null, new double[3], new double[] {1, 0, 0, 0, 1, 0},
        1, 2, 1, 1, null, TransferSyntaxes.EXPLICIT_VR_LITTLE_ENDIAN, new short[] {-1024, 0x1234});

    assertThat(image.hounsfieldLittleEndian()).containsExactly(0x00, 0xFC, 0x34, 0x12);
  }

  private static DicomImage image(double[] position, double[] orientation) {
    return new DicomImage("1.2", "1.2.3", "1.2.3.4", ObjectClassifier.CT_IMAGE_STORAGE, 1, position, orientation,
        1, 1, 0.5, 0.5, 1.0, TransferSyntaxes.EXPLICIT_VR_LITTLE_ENDIAN, new short[1]);
  }
}
