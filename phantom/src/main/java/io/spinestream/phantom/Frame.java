package io.spinestream.phantom;

/**
 * A rigid frame: local coordinates q map to parent coordinates p = R q + origin, where the columns of R are the
 * local axes expressed in the parent. Immutable.
 */
final class Frame {
  static final Frame IDENTITY = new Frame(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new double[3]);

  /** Row-major 3x3 rotation. */
  final double[] r;
  final double[] origin;

  Frame(double[] rotation, double[] origin) {
    this.r = rotation.clone();
    this.origin = origin.clone();
  }

  /** Rotation by the angles (radians) about x, then y, then z of the parent, followed by a translation. */
  static Frame ofAngles(double aboutX, double aboutY, double aboutZ, double[] origin) {
    double cx = StrictMath.cos(aboutX);
    double sx = StrictMath.sin(aboutX);
    double cy = StrictMath.cos(aboutY);
    double sy = StrictMath.sin(aboutY);
    double cz = StrictMath.cos(aboutZ);
    double sz = StrictMath.sin(aboutZ);
    double[] rx = {1, 0, 0, 0, cx, -sx, 0, sx, cx};
    double[] ry = {cy, 0, sy, 0, 1, 0, -sy, 0, cy};
    double[] rz = {cz, -sz, 0, sz, cz, 0, 0, 0, 1};
    return new Frame(multiply(rz, multiply(ry, rx)), origin);
  }

  /** The frame whose local z axis is (0, -slope, 1) normalised in the parent's y-z plane, x unchanged. */
  static Frame sagittalTilt(double slope, double[] origin) {
    double n = Math.sqrt(1 + slope * slope);
    // columns: x = (1,0,0); y = (0, 1, slope)/n; z = (0, -slope, 1)/n
    return new Frame(new double[] {1, 0, 0, 0, 1 / n, -slope / n, 0, slope / n, 1 / n}, origin);
  }

  /** This frame placed inside a parent frame: local -> this parent -> the parent's parent. */
  Frame within(Frame parent) {
    return new Frame(multiply(parent.r, r), parent.toParent(origin));
  }

  double[] toParent(double[] q) {
    return new double[] {
        r[0] * q[0] + r[1] * q[1] + r[2] * q[2] + origin[0],
        r[3] * q[0] + r[4] * q[1] + r[5] * q[2] + origin[1],
        r[6] * q[0] + r[7] * q[1] + r[8] * q[2] + origin[2]};
  }

  /** A direction (no translation) from local to parent. */
  double[] directionToParent(double[] v) {
    return new double[] {
        r[0] * v[0] + r[1] * v[1] + r[2] * v[2],
        r[3] * v[0] + r[4] * v[1] + r[5] * v[2],
        r[6] * v[0] + r[7] * v[1] + r[8] * v[2]};
  }

  double[] toLocal(double[] p) {
    double x = p[0] - origin[0];
    double y = p[1] - origin[1];
    double z = p[2] - origin[2];
    return new double[] {
        r[0] * x + r[3] * y + r[6] * z,
        r[1] * x + r[4] * y + r[7] * z,
        r[2] * x + r[5] * y + r[8] * z};
  }

  private static double[] multiply(double[] a, double[] b) {
    double[] c = new double[9];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
      }
    }
    return c;
  }
}
