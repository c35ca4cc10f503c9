package io.spinestream.phantom;

import java.util.List;

/**
 * One bone (a vertebra, or an unlabelled distractor such as the occipital condyles) as a union of solids minus
 * holes, in its own local frame. Voxels within {@link #corticalMm} of its surface are cortical bone, deeper ones
 * cancellous. A fracture, when present, cuts one solid of the bone (see {@link Fracture}).
 */
final class Bone {
  /** Returned by {@link #depth} for a voxel in the fracture cleft. */
  static final double CLEFT = -1e9;

  final String name;
  final int label;
  /** Local frame placed in patient coordinates. */
  final Frame frame;
  final Shape[] solids;
  final Shape[] holes;
  final double corticalMm;
  final short corticalHu;
  final short cancellousHu;
  final Fracture fracture;
  /** Local bounds of the whole bone, including room for a displaced fragment. */
  final double[] bounds;

  Bone(String name, int label, Frame frame, List<Shape> solids, List<Shape> holes, double corticalMm,
      short corticalHu, short cancellousHu, Fracture fracture) {
    this.name = name;
    this.label = label;
    this.frame = frame;
    this.solids = solids.toArray(new Shape[0]);
    this.holes = holes.toArray(new Shape[0]);
    this.corticalMm = corticalMm;
    this.corticalHu = corticalHu;
    this.cancellousHu = cancellousHu;
    this.fracture = fracture;
    double margin = fracture == null ? 0.5 : 0.5 + fracture.displacementMm();
    double[] b = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE,
        -Double.MAX_VALUE};
    for (Shape s : this.solids) {
      b[0] = Math.min(b[0], s.minX - margin);
      b[1] = Math.max(b[1], s.maxX + margin);
      b[2] = Math.min(b[2], s.minY - margin);
      b[3] = Math.max(b[3], s.maxY + margin);
      b[4] = Math.min(b[4], s.minZ - margin);
      b[5] = Math.max(b[5], s.maxZ + margin);
    }
    this.bounds = b;
  }

  Bone withFracture(Fracture value) {
    return new Bone(name, label, frame, List.of(solids), List.of(holes), corticalMm, corticalHu, cancellousHu, value);
  }

  /**
   * The bone at local point (x, y, z): a positive number outside, {@link #CLEFT} in the fracture cleft, else the
   * (non-positive) signed distance to the surface.
   */
  double depth(double x, double y, double z) {
    if (x < bounds[0] || x > bounds[1] || y < bounds[2] || y > bounds[3] || z < bounds[4] || z > bounds[5]) {
      return 1;
    }
    int target = fracture == null ? -1 : fracture.solidIndex();
    double d = 1;
    for (int s = 0; s < solids.length; s++) {
      if (s != target) {
        d = Math.min(d, solids[s].distanceIfNear(x, y, z));
      }
    }
    if (fracture != null) {
      Shape fractured = solids[target];
      double side = fracture.side(x, y, z);
      if (side > fracture.halfWidthMm()) {
        double[] v = fracture.displacement();
        d = Math.min(d, fractured.distanceIfNear(x - v[0], y - v[1], z - v[2]));
      } else if (side >= -fracture.halfWidthMm()) {
        if (d > 0 && fractured.distanceIfNear(x, y, z) <= 0) {
          return CLEFT;
        }
      } else {
        d = Math.min(d, fractured.distanceIfNear(x, y, z));
      }
    }
    if (d > 0) {
      return d;
    }
    for (Shape hole : holes) {
      d = Math.max(d, -hole.distance(x, y, z));
    }
    return d;
  }

  /** Corners of the local bounds, in patient coordinates. */
  double[][] patientCorners() {
    double[][] corners = new double[8][];
    for (int c = 0; c < 8; c++) {
      corners[c] = frame.toParent(new double[] {bounds[(c & 1)], bounds[2 + ((c >> 1) & 1)], bounds[4 + ((c >> 2) & 1)]});
    }
    return corners;
  }

  /**
   * A fracture: a cleft of width 2 x halfWidthMm around the plane through {@code point} with unit
   * {@code normal}, cutting solid {@code solidIndex} only; the part of that solid on the positive side is shifted
   * by {@code displacement} (parallel to the plane: a step-off). Local coordinates.
   */
  record Fracture(int solidIndex, double[] point, double[] normal, double halfWidthMm, double[] displacement,
      short cleftHu) {
    double side(double x, double y, double z) {
      return normal[0] * (x - point[0]) + normal[1] * (y - point[1]) + normal[2] * (z - point[2]);
    }

    double displacementMm() {
      return Math.sqrt(displacement[0] * displacement[0] + displacement[1] * displacement[1]
          + displacement[2] * displacement[2]);
    }
  }
}
