package io.spinestream.phantom;

/**
 * A quantity that varies along the spine, given at keypoints of depth h (mm below the dens tip) and linearly
 * interpolated between them (constant beyond the ends). Sampled into a table so that lookups per voxel are cheap.
 */
final class Profile {
  private static final double STEP_MM = 0.5;
  private final double firstH;
  private final double[] table;

  private Profile(double firstH, double[] table) {
    this.firstH = firstH;
    this.table = table;
  }

  /** Keypoints (h, value) in increasing h, sampled over [fromH, toH]. */
  static Profile of(double[] h, double[] values, double fromH, double toH) {
    int n = (int) Math.ceil((toH - fromH) / STEP_MM) + 1;
    double[] table = new double[n];
    for (int i = 0; i < n; i++) {
      table[i] = interpolate(h, values, fromH + i * STEP_MM);
    }
    return new Profile(fromH, table);
  }

  static double interpolate(double[] h, double[] values, double at) {
    if (at <= h[0]) {
      return values[0];
    }
    for (int i = 1; i < h.length; i++) {
      if (at <= h[i]) {
        double t = (at - h[i - 1]) / (h[i] - h[i - 1]);
        return values[i - 1] + t * (values[i] - values[i - 1]);
      }
    }
    return values[values.length - 1];
  }

  /** Nearest table entry: 0.5 mm resolution along the spine is finer than any slice spacing used. */
  double at(double h) {
    int i = (int) Math.round((h - firstH) / STEP_MM);
    return table[Math.max(0, Math.min(table.length - 1, i))];
  }
}
