package io.spinestream.cropper;

import io.spinestream.events.VoxelBox;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where each vertebra is in a series, from the segmentation of every slice: the crop contract shared with
 * the classifier's training (models/README.md), so that serving cuts crops exactly as training did.
 *
 * <ul>
 *   <li>A slice counts for vertebra v if v covers at least {@code minPixels} pixels of its mask (at the
 *       segmenter's resolution); isolated stray pixels do not.
 *   <li>z range: the longest run of consecutive counting slices (tie: the larger total count), half-open
 *       [z0, z1). No counting slice: the vertebra is not found.
 *   <li>x/y box: the union of the vertebra's per-slice boxes (original pixels) over the run, widened on each
 *       side by {@code floor(marginFraction * width)} (and height; at least one pixel), clamped to the image.
 *   <li>24 slices: {@code int(numpy.linspace(z0, z1 - 1, 24))}, computed the way numpy does so the
 *       truncation agrees to the last bit; slices repeat when the run is shorter than 24.
 * </ul>
 */
public final class CropPlanner {
  public static final int SAMPLED_SLICES = 24;

  private final int minPixels;
  private final double marginFraction;

  public CropPlanner(int minPixels, double marginFraction) {
    if (minPixels < 1 || marginFraction < 0) {
      throw new IllegalArgumentException("minPixels must be >= 1 and marginFraction >= 0");
    }
    this.minPixels = minPixels;
    this.marginFraction = marginFraction;
  }

  /** One vertebra on one slice: pixel count at model resolution and box in original pixels (half-open). */
  public record Region(int pixelCount, int x0, int y0, int x1, int y1) {}

  /** A vertebra's crop: the box and the sampled slice indices. */
  public record Plan(VoxelBox box, List<Integer> sampledIndices) {}

  /**
   * @param regions for each slice index 0..n-1, the vertebra's region there, or null where it is absent
   */
  public Optional<Plan> plan(List<Region> regions, int rows, int columns) {
    int bestStart = -1;
    int bestEnd = -1;
    long bestTotal = -1;
    int start = -1;
    long total = 0;
    for (int k = 0; k <= regions.size(); k++) {
      Region region = k < regions.size() ? regions.get(k) : null;
      boolean counts = region != null && region.pixelCount() >= minPixels;
      if (counts) {
        if (start < 0) {
          start = k;
          total = 0;
        }
        total += region.pixelCount();
        continue;
      }
      if (start >= 0) {
        int length = k - start;
        int bestLength = bestEnd - bestStart;
        if (length > bestLength || (length == bestLength && total > bestTotal)) {
          bestStart = start;
          bestEnd = k;
          bestTotal = total;
        }
        start = -1;
      }
    }
    if (bestStart < 0) {
      return Optional.empty();
    }
    int x0 = Integer.MAX_VALUE;
    int y0 = Integer.MAX_VALUE;
    int x1 = Integer.MIN_VALUE;
    int y1 = Integer.MIN_VALUE;
    for (int k = bestStart; k < bestEnd; k++) {
      Region r = regions.get(k);
      x0 = Math.min(x0, r.x0());
      y0 = Math.min(y0, r.y0());
      x1 = Math.max(x1, r.x1());
      y1 = Math.max(y1, r.y1());
    }
    int marginX = Math.max(1, (int) Math.floor(marginFraction * (x1 - x0)));
    int marginY = Math.max(1, (int) Math.floor(marginFraction * (y1 - y0)));
    VoxelBox box = new VoxelBox(Math.max(0, x0 - marginX), Math.min(columns, x1 + marginX),
        Math.max(0, y0 - marginY), Math.min(rows, y1 + marginY), bestStart, bestEnd);
    return Optional.of(new Plan(box, linspaceIndices(bestStart, bestEnd - 1, SAMPLED_SLICES)));
  }

  /**
   * {@code numpy.linspace(first, last, count).astype(int)}: numpy computes {@code i * step + start} in
   * double with {@code step = (last - first) / (count - 1)}, sets the last value to {@code last} exactly,
   * and the cast truncates toward zero.
   */
  public static List<Integer> linspaceIndices(int first, int last, int count) {
    List<Integer> indices = new ArrayList<>(count);
    double step = (double) (last - first) / (count - 1);
    for (int i = 0; i < count; i++) {
      double value = i == count - 1 ? last : i * step + first;
      indices.add((int) value);
    }
    return indices;
  }
}
