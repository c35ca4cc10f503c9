package io.spinestream.segmenter;

import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a slice's label map (at the segmenter's resolution) says per vertebra: pixel count, and bounding box
 * mapped back to the slice's original pixels with the contract's rule (models/README.md):
 * {@code X0 = floor(x0 * columns / W)}, {@code X1 = ceil(x1 * columns / W)}, the same for rows, half-open.
 */
public final class MaskRegions {
  static final String[] LABEL_NAMES = {"background", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1-T12"};

  private MaskRegions() {}

  /** Class with the highest logit per pixel; logits are [classes, H, W]. */
  public static byte[] argmax(float[] logits, int pixels) {
    int classes = logits.length / pixels;
    byte[] labels = new byte[pixels];
    for (int p = 0; p < pixels; p++) {
      int best = 0;
      float bestValue = logits[p];
      for (int c = 1; c < classes; c++) {
        float value = logits[c * pixels + p];
        if (value > bestValue) {
          best = c;
          bestValue = value;
        }
      }
      labels[p] = (byte) best;
    }
    return labels;
  }

  /** The regions of labels 1..8 present in the map, in label order. */
  public static List<LabelRegion> of(byte[] labels, int height, int width, int rows, int columns) {
    int classes = LABEL_NAMES.length;
    int[] count = new int[classes];
    int[] minX = new int[classes];
    int[] minY = new int[classes];
    int[] maxX = new int[classes];
    int[] maxY = new int[classes];
    java.util.Arrays.fill(minX, Integer.MAX_VALUE);
    java.util.Arrays.fill(minY, Integer.MAX_VALUE);
    java.util.Arrays.fill(maxX, -1);
    java.util.Arrays.fill(maxY, -1);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int label = labels[y * width + x];
        if (label <= 0 || label >= classes) {
          continue;
        }
        count[label]++;
        minX[label] = Math.min(minX[label], x);
        minY[label] = Math.min(minY[label], y);
        maxX[label] = Math.max(maxX[label], x);
        maxY[label] = Math.max(maxY[label], y);
      }
    }
    List<LabelRegion> regions = new ArrayList<>();
    for (int label = 1; label < classes; label++) {
      if (count[label] == 0) {
        continue;
      }
      PixelBox box = new PixelBox(
          floorScale(minX[label], columns, width), floorScale(minY[label], rows, height),
          ceilScale(maxX[label] + 1, columns, width), ceilScale(maxY[label] + 1, rows, height));
      regions.add(new LabelRegion(label, LABEL_NAMES[label], count[label], box));
    }
    return regions;
  }

  private static int floorScale(int value, int original, int model) {
    return (int) ((long) value * original / model);
  }

  private static int ceilScale(int value, int original, int model) {
    return (int) (((long) value * original + model - 1) / model);
  }

  /** The label map as runs, row-major: run i has label labels[i] and length lengths[i]. */
  public static RunLengthMask runLength(byte[] labels) {
    List<Integer> lengths = new ArrayList<>();
    java.io.ByteArrayOutputStream runLabels = new java.io.ByteArrayOutputStream();
    int i = 0;
    while (i < labels.length) {
      int j = i;
      while (j < labels.length && labels[j] == labels[i]) {
        j++;
      }
      runLabels.write(labels[i]);
      lengths.add(j - i);
      i = j;
    }
    return new RunLengthMask(ByteBuffer.wrap(runLabels.toByteArray()), lengths);
  }
}
