package io.spinestream.dashboard;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The sagittal projection of a study as a PNG: anterior on the left, superior at the top, in a bone window;
 * one image row per slice (highest z first), so a crop's [z0, z1) maps to rows n - z1 .. n - z0 and its
 * [y0, y1) to columns y0 .. y1.
 */
final class SagittalImage {
  static final double WINDOW_LOW = -400;
  static final double WINDOW_HIGH = 1600;

  private SagittalImage() {}

  static byte[] png(StudyBoard.Study study) {
    List<short[]> columns = new ArrayList<>(study.columnsByZ.values());
    int n = columns.size();
    int rows = study.rows;
    if (n == 0 || rows == 0) {
      return null;
    }
    BufferedImage image = new BufferedImage(rows, n, BufferedImage.TYPE_BYTE_GRAY);
    byte[] gray = new byte[rows * n];
    for (int k = 0; k < n; k++) {
      short[] column = columns.get(k);
      int imageRow = n - 1 - k;
      for (int y = 0; y < rows; y++) {
        double v = (column[y] - WINDOW_LOW) / (WINDOW_HIGH - WINDOW_LOW);
        gray[imageRow * rows + y] = (byte) (int) Math.round(255 * Math.max(0, Math.min(1, v)));
      }
    }
    image.getRaster().setDataElements(0, 0, rows, n, gray);
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
