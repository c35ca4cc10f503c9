package io.spinestream.phantom;

import java.util.Arrays;

/**
 * Ground-truth label maps at a model's resolution, the way training and the quality report compare them with the
 * segmenter's output (models/README.md, contract rule 9; Python twin {@code contract.resize_labels}).
 */
public final class LabelResampling {
  private static final int LABELS = 256;

  private LabelResampling() {}

  /**
   * Each output pixel takes the label that covers most of its source window, rows {@code floor(d * rows / height)}
   * to {@code ceil((d + 1) * rows / height) - 1} and columns alike (the windows of torch's adaptive average
   * pooling), ties to the smaller label. Labels are read as unsigned bytes.
   */
  public static byte[] majority(byte[] labels, int rows, int columns, int height, int width) {
    if (labels.length != rows * columns) {
      throw new IllegalArgumentException("labels hold " + labels.length + " values, not " + rows + " x " + columns);
    }
    byte[] out = new byte[height * width];
    int[] counts = new int[LABELS];
    for (int y = 0; y < height; y++) {
      int y0 = (int) ((long) y * rows / height);
      int y1 = (int) (((long) (y + 1) * rows + height - 1) / height);
      for (int x = 0; x < width; x++) {
        int x0 = (int) ((long) x * columns / width);
        int x1 = (int) (((long) (x + 1) * columns + width - 1) / width);
        Arrays.fill(counts, 0);
        for (int sy = y0; sy < y1; sy++) {
          for (int sx = x0; sx < x1; sx++) {
            counts[labels[sy * columns + sx] & 0xff]++;
          }
        }
        int best = 0;
        for (int label = 1; label < LABELS; label++) {
          if (counts[label] > counts[best]) {
            best = label;
          }
        }
        out[y * width + x] = (byte) best;
      }
    }
    return out;
  }
}
