package io.spinestream.phantom;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One study rendered in memory: Hounsfield units and labels per slice, with the geometry and identity they are
 * written with. Slice index k is the slice with InstanceNumber k + 1 (k = 0 is the most superior); within a
 * slice, voxel (column i, row j) is at {@code j * columns() + i}.
 *
 * <p>Patient coordinates are DICOM's LPS: the voxel (i, j, k) is at
 * {@code (x0 + i * pixelSpacingMm, y0 + j * pixelSpacingMm, z0 - k * sliceSpacingMm)} with (x0, y0, z0) =
 * {@link #imagePositionPatient(int) imagePositionPatient(0)}.
 *
 * <p>The arrays are shared, not copied: treat them as read-only.
 */
public final class RenderedStudy {
  private final StudyMetadata metadata;
  private final int rows;
  private final int columns;
  private final double pixelSpacingMm;
  private final double sliceSpacingMm;
  private final double sliceThicknessMm;
  private final double[] firstPosition;
  private final short[][] hounsfield;
  private final byte[][] labels;
  private final Set<Vertebra> fractured;
  private final List<FracturePlane> fracturePlanes;

  RenderedStudy(StudyMetadata metadata, int rows, int columns, double pixelSpacingMm, double sliceSpacingMm,
      double sliceThicknessMm, double[] firstPosition, short[][] hounsfield, byte[][] labels,
      Set<Vertebra> fractured, List<FracturePlane> fracturePlanes) {
    this.metadata = metadata;
    this.rows = rows;
    this.columns = columns;
    this.pixelSpacingMm = pixelSpacingMm;
    this.sliceSpacingMm = sliceSpacingMm;
    this.sliceThicknessMm = sliceThicknessMm;
    this.firstPosition = firstPosition.clone();
    this.hounsfield = hounsfield;
    this.labels = labels;
    this.fractured = Collections.unmodifiableSet(fractured.isEmpty()
        ? EnumSet.noneOf(Vertebra.class) : EnumSet.copyOf(fractured));
    this.fracturePlanes = List.copyOf(fracturePlanes);
  }

  StudyMetadata metadata() {
    return metadata;
  }

  public int studyIndex() {
    return metadata.studyIndex();
  }

  public String studyInstanceUid() {
    return metadata.studyInstanceUid();
  }

  public String seriesInstanceUid() {
    return metadata.seriesInstanceUid();
  }

  /** How the DICOM files of this study store the Hounsfield units. */
  public PixelEncoding encoding() {
    return metadata.encoding();
  }

  public int rows() {
    return rows;
  }

  public int columns() {
    return columns;
  }

  public int slices() {
    return hounsfield.length;
  }

  /** Distance between the centres of adjacent rows, and of adjacent columns. */
  public double pixelSpacingMm() {
    return pixelSpacingMm;
  }

  public double sliceSpacingMm() {
    return sliceSpacingMm;
  }

  public double sliceThicknessMm() {
    return sliceThicknessMm;
  }

  /** ImagePositionPatient of slice k: centre of its first voxel, LPS mm. */
  public double[] imagePositionPatient(int k) {
    return new double[] {firstPosition[0], firstPosition[1], firstPosition[2] - k * sliceSpacingMm};
  }

  /** Hounsfield units of slice k, row-major (shared array). */
  public short[] hounsfield(int k) {
    return hounsfield[k];
  }

  /** Labels of slice k, row-major (shared array): 0 background, 1..7 = C1..C7, 8 = thoracic. */
  public byte[] labels(int k) {
    return labels[k];
  }

  public short hounsfield(int i, int j, int k) {
    return hounsfield[k][j * columns + i];
  }

  public int label(int i, int j, int k) {
    return labels[k][j * columns + i];
  }

  /** The fractured cervical vertebrae. */
  public Set<Vertebra> fractured() {
    return fractured;
  }

  /** Where each fracture was planted. */
  public List<FracturePlane> fracturePlanes() {
    return fracturePlanes;
  }

  /** Number of voxels per label, indexed by label 0..8. */
  public long[] labelVoxelCounts() {
    long[] counts = new long[Vertebra.THORACIC_LABEL + 1];
    for (byte[] slice : labels) {
      for (byte label : slice) {
        counts[label]++;
      }
    }
    return counts;
  }
}
