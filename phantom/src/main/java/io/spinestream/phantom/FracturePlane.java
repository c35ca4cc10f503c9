package io.spinestream.phantom;

/**
 * Where a fracture was planted, in DICOM patient coordinates (LPS, mm): voxels within {@code thicknessMm / 2}
 * of the plane through {@code pointMm} with unit {@code normal} and inside the fractured part of the vertebra
 * hold fluid ({@code cleftHu}); the bone on the side the normal points to is shifted by {@code displacementMm}.
 *
 * @param part which part of the vertebra is broken: "body", "dens", "anterior arch" or "posterior arch"
 */
public record FracturePlane(
    Vertebra vertebra,
    String part,
    double[] pointMm,
    double[] normal,
    double thicknessMm,
    double[] displacementMm,
    int cleftHu) {

  /** Signed distance of a patient point from the plane, in mm. */
  public double signedDistanceMm(double x, double y, double z) {
    return normal[0] * (x - pointMm[0]) + normal[1] * (y - pointMm[1]) + normal[2] * (z - pointMm[2]);
  }
}
