package io.spinestream.common.imaging;

import java.nio.ShortBuffer;

/**
 * The image preprocessing of the model contract (models/README.md), identical to what training does in
 * PyTorch: Hounsfield units windowed to [0, 1], then resized with
 * {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False)} (no antialiasing). The
 * arithmetic follows PyTorch's CPU kernel so that Java and Python feed the model the same numbers: the
 * scale is input/output in float, the source coordinate {@code scale * (d + 0.5) - 0.5} is computed in
 * double and clamped at 0, and the weight is cast back to float. (Computing the coordinate in float
 * instead is off by up to 2e-5 at 512 pixels; measured against torch in PreprocessTest.)
 */
public final class Preprocess {
  private Preprocess() {}

  /**
   * Windows a rectangle [x0, x1) x [y0, y1) of a rows x columns HU image to [0, 1]:
   * {@code (clip(hu, low, high) - low) / (high - low)}.
   */
  public static float[] window(short[] hu, int columns, int x0, int y0, int x1, int y1, float low, float high) {
    return window(ShortBuffer.wrap(hu), columns, x0, y0, x1, y1, low, high);
  }

  /**
   * {@link #window(short[], int, int, int, int, int, float, float)} reading the HU from a buffer (e.g. a
   * little-endian view of stored bytes), so that cutting a small box does not first convert the whole slice;
   * the one implementation of both.
   */
  public static float[] window(ShortBuffer hu, int columns, int x0, int y0, int x1, int y1, float low, float high) {
    int width = x1 - x0;
    float[] out = new float[width * (y1 - y0)];
    float range = high - low;
    for (int y = y0; y < y1; y++) {
      int row = y * columns;
      int outRow = (y - y0) * width;
      for (int x = x0; x < x1; x++) {
        float v = hu.get(row + x);
        v = v < low ? low : (v > high ? high : v);
        out[outRow + x - x0] = (v - low) / range;
      }
    }
    return out;
  }

  /** Bilinear resize, PyTorch {@code align_corners=False} semantics, of a row-major image. */
  public static float[] resizeBilinear(float[] src, int srcHeight, int srcWidth, int dstHeight, int dstWidth) {
    if (srcHeight == dstHeight && srcWidth == dstWidth) {
      return src.clone();
    }
    int[] y0 = new int[dstHeight];
    int[] y1 = new int[dstHeight];
    float[] wy1 = new float[dstHeight];
    axis(srcHeight, dstHeight, y0, y1, wy1);
    int[] x0 = new int[dstWidth];
    int[] x1 = new int[dstWidth];
    float[] wx1 = new float[dstWidth];
    axis(srcWidth, dstWidth, x0, x1, wx1);
    float[] out = new float[dstHeight * dstWidth];
    for (int y = 0; y < dstHeight; y++) {
      float h1 = wy1[y];
      float h0 = 1f - h1;
      int top = y0[y] * srcWidth;
      int bottom = y1[y] * srcWidth;
      for (int x = 0; x < dstWidth; x++) {
        float w1 = wx1[x];
        float w0 = 1f - w1;
        out[y * dstWidth + x] = h0 * (w0 * src[top + x0[x]] + w1 * src[top + x1[x]])
            + h1 * (w0 * src[bottom + x0[x]] + w1 * src[bottom + x1[x]]);
      }
    }
    return out;
  }

  /** Source indices and the weight of the second one along one axis, as PyTorch computes them. */
  private static void axis(int in, int out, int[] first, int[] second, float[] secondWeight) {
    double scale = (float) in / out;
    for (int d = 0; d < out; d++) {
      double source = scale * (d + 0.5) - 0.5;
      if (source < 0) {
        source = 0;
      }
      int index = (int) source;
      first[d] = index;
      second[d] = index < in - 1 ? index + 1 : index;
      secondWeight[d] = (float) (source - index);
    }
  }

  /** Window then resize a rectangle of an HU image: one channel of a model input. */
  public static float[] windowAndResize(short[] hu, int columns, int x0, int y0, int x1, int y1, float low, float high,
      int dstHeight, int dstWidth) {
    return windowAndResize(ShortBuffer.wrap(hu), columns, x0, y0, x1, y1, low, high, dstHeight, dstWidth);
  }

  /** {@link #windowAndResize(short[], int, int, int, int, int, float, float, int, int)} from a buffer. */
  public static float[] windowAndResize(ShortBuffer hu, int columns, int x0, int y0, int x1, int y1, float low,
      float high, int dstHeight, int dstWidth) {
    return resizeBilinear(window(hu, columns, x0, y0, x1, y1, low, high), y1 - y0, x1 - x0, dstHeight, dstWidth);
  }
}
