package io.spinestream.phantom;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One generated study and where its files are.
 *
 * @param labelVoxelCounts voxels per label 1..8 (1..7 = C1..C7, 8 = thoracic), labels absent from the volume
 *     included with 0
 * @param dicomFiles the slices in InstanceNumber order ({@code train_images/<StudyInstanceUID>/<n>.dcm})
 * @param segmentation {@code segmentations/<StudyInstanceUID>.nii}
 */
public record PhantomStudy(
    int studyIndex,
    String studyInstanceUid,
    String seriesInstanceUid,
    int slices,
    int rows,
    int columns,
    PixelEncoding encoding,
    Set<Vertebra> fractured,
    Map<Integer, Long> labelVoxelCounts,
    Path seriesDirectory,
    List<Path> dicomFiles,
    Path segmentation) {

  public PhantomStudy {
    fractured = Collections.unmodifiableSet(fractured.isEmpty()
        ? EnumSet.noneOf(Vertebra.class) : EnumSet.copyOf(fractured));
    labelVoxelCounts = Map.copyOf(labelVoxelCounts);
    dicomFiles = List.copyOf(dicomFiles);
  }

  /** patient_overall: at least one fractured vertebra. */
  public boolean positive() {
    return !fractured.isEmpty();
  }

  public long voxelCount(Vertebra vertebra) {
    return labelVoxelCounts.getOrDefault(vertebra.label(), 0L);
  }

  /** Short form, without the list of files. */
  @Override
  public String toString() {
    return "PhantomStudy[" + studyIndex + " " + studyInstanceUid + ", " + slices + " slices " + columns + "x" + rows
        + ", " + encoding + ", fractured " + fractured + "]";
  }
}
