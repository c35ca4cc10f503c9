package io.spinestream.it;

import io.spinestream.cropper.CropPlanner;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.VoxelBox;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.RenderedStudy;
import io.spinestream.segmenter.MaskRegions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Held-out phantom studies and their ground truth, as the pipeline tests compare against them. */
final class PipelineFixture {
  /** Never used in training (models/README.md lists the training seeds). */
  static final long HELD_OUT_SEED = 9_001;
  static final Path MODELS = ServiceProcess.ROOT.resolve("models/shipped");

  private PipelineFixture() {}

  static PhantomOptions options(int studies) {
    return PhantomOptions.defaults().withSeed(HELD_OUT_SEED).withStudies(studies).withMatrix(256);
  }

  /**
   * The crop the contract makes from the ground-truth labels: labels mapped to the segmenter's resolution
   * by nearest neighbour (as training does), then the same planner as the cropper. Keys are C1..C7 as 1..7.
   */
  static Map<Integer, Optional<VoxelBox>> groundTruthCrops(PhantomOptions options, int study, int modelSize,
      int minPixels, double margin) {
    RenderedStudy rendered = PhantomGenerator.render(options, study);
    int n = rendered.slices();
    int rows = rendered.rows();
    int columns = rendered.columns();
    // Slice index in z order (ascending z) is the reverse of InstanceNumber order.
    List<Map<Integer, CropPlanner.Region>> byIndex = new ArrayList<>();
    for (int index = 0; index < n; index++) {
      byte[] labels = rendered.labels(n - 1 - index);
      byte[] model = nearest(labels, rows, columns, modelSize, modelSize);
      Map<Integer, CropPlanner.Region> regions = new TreeMap<>();
      for (LabelRegion region : MaskRegions.of(model, modelSize, modelSize, rows, columns)) {
        var box = region.getBox();
        regions.put(region.getLabel(), new CropPlanner.Region(region.getPixelCount(), box.getX0(), box.getY0(),
            box.getX1(), box.getY1()));
      }
      byIndex.add(regions);
    }
    CropPlanner planner = new CropPlanner(minPixels, margin);
    Map<Integer, Optional<VoxelBox>> crops = new TreeMap<>();
    for (int label = 1; label <= 7; label++) {
      int v = label;
      crops.put(label, planner.plan(byIndex.stream().map(m -> m.get(v)).toList(), rows, columns)
          .map(CropPlanner.Plan::box));
    }
    return crops;
  }

  /** torch.nn.functional.interpolate(mode="nearest"): source index floor(d * in / out). */
  static byte[] nearest(byte[] labels, int rows, int columns, int height, int width) {
    byte[] out = new byte[height * width];
    float scaleY = (float) rows / height;
    float scaleX = (float) columns / width;
    for (int y = 0; y < height; y++) {
      int sy = Math.min(rows - 1, (int) Math.floor(y * scaleY));
      for (int x = 0; x < width; x++) {
        int sx = Math.min(columns - 1, (int) Math.floor(x * scaleX));
        out[y * width + x] = labels[sy * columns + sx];
      }
    }
    return out;
  }

  /** Intersection over union of two boxes in (x, y, z). */
  static double iou(VoxelBox a, VoxelBox b) {
    long ix = Math.max(0, Math.min(a.getX1(), b.getX1()) - Math.max(a.getX0(), b.getX0()));
    long iy = Math.max(0, Math.min(a.getY1(), b.getY1()) - Math.max(a.getY0(), b.getY0()));
    long iz = Math.max(0, Math.min(a.getZ1(), b.getZ1()) - Math.max(a.getZ0(), b.getZ0()));
    long inter = ix * iy * iz;
    long union = volume(a) + volume(b) - inter;
    return union == 0 ? 0 : (double) inter / union;
  }

  private static long volume(VoxelBox box) {
    return (long) (box.getX1() - box.getX0()) * (box.getY1() - box.getY0()) * (box.getZ1() - box.getZ0());
  }
}
