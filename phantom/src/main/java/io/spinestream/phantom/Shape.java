package io.spinestream.phantom;

/**
 * A solid in a bone's local frame (mm; x to the patient's left, y posterior, z superior), described by a signed
 * distance: negative inside, positive outside. Inside a solid the distance is accurate near the surface (where
 * it decides cortical versus cancellous bone); outside it only has to be positive.
 */
abstract class Shape {
  /** Axis-aligned bounds in the local frame; outside them the shape is certainly outside. */
  final double minX;
  final double maxX;
  final double minY;
  final double maxY;
  final double minZ;
  final double maxZ;

  Shape(double minX, double maxX, double minY, double maxY, double minZ, double maxZ) {
    this.minX = minX;
    this.maxX = maxX;
    this.minY = minY;
    this.maxY = maxY;
    this.minZ = minZ;
    this.maxZ = maxZ;
  }

  abstract double distance(double x, double y, double z);

  /** The signed distance, or a positive number without computing it when the point is out of bounds. */
  final double distanceIfNear(double x, double y, double z) {
    if (x < minX || x > maxX || y < minY || y > maxY || z < minZ || z > maxZ) {
      return 1;
    }
    return distance(x, y, z);
  }

  /** Combines an in-plane distance with the distance to a z-slab [z0, z1]: an extrusion. */
  static double extrude(double planar, double z, double z0, double z1) {
    double dz = Math.max(z0 - z, z - z1);
    if (planar > 0 && dz > 0) {
      return Math.sqrt(planar * planar + dz * dz);
    }
    return Math.max(planar, dz);
  }

  /**
   * Approximate signed distance to the ellipse (x/a)² + (y/b)² = 1: the first-order estimate (f - 1) / |∇f| with
   * f the normalised radius, exact on the circle and within a few percent near the boundary of the mildly
   * eccentric ellipses used here.
   */
  static double ellipse(double x, double y, double a, double b) {
    double u = x / a;
    double v = y / b;
    double f = Math.sqrt(u * u + v * v);
    double gx = u / a;
    double gy = v / b;
    double g = Math.sqrt(gx * gx + gy * gy);
    if (g < 1e-9) {
      return -Math.min(a, b);
    }
    return (f - 1) * f / g;
  }

  /** Distance from (x, y) to the segment (x0, y0)-(x1, y1). */
  static double segment(double x, double y, double x0, double y0, double x1, double y1) {
    double ex = x1 - x0;
    double ey = y1 - y0;
    double px = x - x0;
    double py = y - y0;
    double t = Math.max(0, Math.min(1, (px * ex + py * ey) / (ex * ex + ey * ey)));
    double dx = px - t * ex;
    double dy = py - t * ey;
    return Math.sqrt(dx * dx + dy * dy);
  }

  /** A vertical elliptic cylinder, optionally cut flat at y = maxFlatY (posterior wall of a vertebral body). */
  static final class EllipticCylinder extends Shape {
    private final double cx;
    private final double cy;
    private final double a;
    private final double b;
    private final double z0;
    private final double z1;
    private final double flatY;

    EllipticCylinder(double cx, double cy, double a, double b, double z0, double z1, double flatY) {
      super(cx - a, cx + a, cy - b, Math.min(cy + b, flatY), z0, z1);
      this.cx = cx;
      this.cy = cy;
      this.a = a;
      this.b = b;
      this.z0 = z0;
      this.z1 = z1;
      this.flatY = flatY;
    }

    EllipticCylinder(double cx, double cy, double a, double b, double z0, double z1) {
      this(cx, cy, a, b, z0, z1, Double.POSITIVE_INFINITY);
    }

    @Override
    double distance(double x, double y, double z) {
      double planar = Math.max(ellipse(x - cx, y - cy, a, b), y - flatY);
      return extrude(planar, z, z0, z1);
    }
  }

  /** A bar: an axial-plane capsule (segment with radius) extruded between z0 and z1. */
  static final class Bar extends Shape {
    private final double x0;
    private final double y0;
    private final double x1;
    private final double y1;
    private final double radius;
    private final double z0;
    private final double z1;

    Bar(double x0, double y0, double x1, double y1, double radius, double z0, double z1) {
      super(Math.min(x0, x1) - radius, Math.max(x0, x1) + radius, Math.min(y0, y1) - radius,
          Math.max(y0, y1) + radius, z0, z1);
      this.x0 = x0;
      this.y0 = y0;
      this.x1 = x1;
      this.y1 = y1;
      this.radius = radius;
      this.z0 = z0;
      this.z1 = z1;
    }

    @Override
    double distance(double x, double y, double z) {
      return extrude(segment(x, y, x0, y0, x1, y1) - radius, z, z0, z1);
    }
  }

  /** A capsule: all points within a radius of a 3D segment (spinous processes, the dens). */
  static final class Capsule extends Shape {
    private final double[] p;
    private final double[] e;
    private final double lengthSquared;
    private final double radius;

    Capsule(double[] from, double[] to, double radius) {
      super(Math.min(from[0], to[0]) - radius, Math.max(from[0], to[0]) + radius,
          Math.min(from[1], to[1]) - radius, Math.max(from[1], to[1]) + radius,
          Math.min(from[2], to[2]) - radius, Math.max(from[2], to[2]) + radius);
      this.p = from.clone();
      this.e = new double[] {to[0] - from[0], to[1] - from[1], to[2] - from[2]};
      this.lengthSquared = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
      this.radius = radius;
    }

    @Override
    double distance(double x, double y, double z) {
      double px = x - p[0];
      double py = y - p[1];
      double pz = z - p[2];
      double t = Math.max(0, Math.min(1, (px * e[0] + py * e[1] + pz * e[2]) / lengthSquared));
      double dx = px - t * e[0];
      double dy = py - t * e[1];
      double dz = pz - t * e[2];
      return Math.sqrt(dx * dx + dy * dy + dz * dz) - radius;
    }
  }

  /**
   * Part of an elliptic ring (C1's arches, the hyoid): points within halfThickness of the ellipse centred at
   * (cx, cy) with semi-axes (a, b), kept where fromY <= y <= toY, extruded between z0 and z1.
   */
  static final class RingSector extends Shape {
    private final double cx;
    private final double cy;
    private final double a;
    private final double b;
    private final double halfThickness;
    private final double fromY;
    private final double toY;
    private final double z0;
    private final double z1;

    RingSector(double cx, double cy, double a, double b, double halfThickness, double fromY, double toY,
        double z0, double z1) {
      super(cx - a - halfThickness, cx + a + halfThickness, Math.max(cy - b - halfThickness, fromY),
          Math.min(cy + b + halfThickness, toY), z0, z1);
      this.cx = cx;
      this.cy = cy;
      this.a = a;
      this.b = b;
      this.halfThickness = halfThickness;
      this.fromY = fromY;
      this.toY = toY;
      this.z0 = z0;
      this.z1 = z1;
    }

    @Override
    double distance(double x, double y, double z) {
      double ring = Math.abs(ellipse(x - cx, y - cy, a, b)) - halfThickness;
      double planar = Math.max(ring, Math.max(fromY - y, y - toY));
      return extrude(planar, z, z0, z1);
    }
  }
}
