package io.spinestream.phantom;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates phantom studies: in memory with {@link #render}, or as files in the layout of the RSNA 2022
 * Cervical Spine Fracture Detection data with {@link #generate}:
 * <pre>
 *   DIR/train_images/&lt;StudyInstanceUID&gt;/&lt;InstanceNumber&gt;.dcm
 *   DIR/segmentations/&lt;StudyInstanceUID&gt;.nii
 *   DIR/train.csv
 * </pre>
 * Anatomy, fracture model and HU values are described on {@code Anatomy}; the NIfTI orientation on {@link Nifti}.
 */
public final class PhantomGenerator {
  public static final String IMAGES_DIRECTORY = "train_images";
  public static final String SEGMENTATIONS_DIRECTORY = "segmentations";
  public static final String TRAIN_CSV = "train.csv";

  private PhantomGenerator() {}

  /**
   * Renders one study in memory, without writing anything. {@code studyIndex} is absolute (it need not lie in
   * the options' range): the result is the study that {@link #generate} writes for that index.
   */
  public static RenderedStudy render(PhantomOptions options, int studyIndex) {
    if (studyIndex < 0) {
      throw new IllegalArgumentException("studyIndex must be >= 0, is " + studyIndex);
    }
    return new StudyRenderer(options, studyIndex).render();
  }

  /**
   * Writes studies {@code firstStudyIndex .. firstStudyIndex + studies - 1} under {@code outDir} and merges their
   * rows into {@code outDir/train.csv} (after each study, so an interrupted run leaves a consistent file).
   * A study written again replaces its files.
   */
  public static List<PhantomStudy> generate(PhantomOptions options, Path outDir) throws IOException {
    Path images = outDir.resolve(IMAGES_DIRECTORY);
    Path segmentations = outDir.resolve(SEGMENTATIONS_DIRECTORY);
    Files.createDirectories(images);
    Files.createDirectories(segmentations);
    var studies = new ArrayList<PhantomStudy>();
    for (int index = options.firstStudyIndex(); index <= options.lastStudyIndex(); index++) {
      RenderedStudy study = render(options, index);
      Path series = images.resolve(study.studyInstanceUid());
      List<Path> files = DicomSeriesWriter.write(study, options, series);
      Path segmentation = segmentations.resolve(study.studyInstanceUid() + ".nii");
      Nifti.writeLabels(segmentation, study);
      TrainCsv.merge(outDir.resolve(TRAIN_CSV), Map.of(study.studyInstanceUid(), study.fractured()));
      long[] counts = study.labelVoxelCounts();
      var labelCounts = new TreeMap<Integer, Long>();
      for (int label = 1; label < counts.length; label++) {
        labelCounts.put(label, counts[label]);
      }
      studies.add(new PhantomStudy(index, study.studyInstanceUid(), study.seriesInstanceUid(), study.slices(),
          study.rows(), study.columns(), study.encoding(), study.fractured(), labelCounts, series, files,
          segmentation));
    }
    return studies;
  }
}
