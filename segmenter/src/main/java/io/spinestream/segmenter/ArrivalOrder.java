package io.spinestream.segmenter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The z order of a series' slices as they arrive, before the manifest says it: the manifest orders slices
 * the same way (z position, then SOP Instance UID), so a slice whose two neighbours here are the slices
 * next to it in the final series can be segmented early. Whether they are is only known from the manifest;
 * this guesses from the spacing: both gaps at most 1.5 times the smallest gap seen in the series (a slice
 * still missing between two others leaves a gap of about twice that). A wrong guess costs one forward pass,
 * never a wrong mask: results are checked against the manifest's neighbours before they are used.
 *
 * <p>In memory, per series, best effort (empty again after a restart). Not thread-safe.
 */
final class ArrivalOrder {
  /** Slices further apart than this many smallest gaps are probably not neighbours. */
  static final double GAP_TOLERANCE = 1.5;

  private record Position(double z, String sop) implements Comparable<Position> {
    @Override
    public int compareTo(Position other) {
      int byZ = Double.compare(z, other.z);
      return byZ != 0 ? byZ : sop.compareTo(other.sop);
    }
  }

  /** A slice's neighbours below (smaller z) and above. */
  record Neighbours(String below, String above) {}

  private final TreeMap<Position, String> byZ = new TreeMap<>();
  private final Map<String, Position> positions = new HashMap<>();
  private double smallestGap = Double.POSITIVE_INFINITY;

  /**
   * Adds a slice; returns the slices whose neighbours changed (itself and those next to it), or nothing if
   * it was there already. The smallest gap is kept up to date on insertion alone: two slices adjacent now
   * were adjacent when the later of them arrived, because slices are never removed.
   */
  List<String> add(String sop, double z) {
    if (positions.containsKey(sop) || Double.isNaN(z)) {
      return List.of();
    }
    Position position = new Position(z, sop);
    positions.put(sop, position);
    byZ.put(position, sop);
    List<String> changed = new ArrayList<>(3);
    changed.add(sop);
    Map.Entry<Position, String> below = byZ.lowerEntry(position);
    Map.Entry<Position, String> above = byZ.higherEntry(position);
    if (below != null) {
      changed.add(below.getValue());
      gap(z - below.getKey().z());
    }
    if (above != null) {
      changed.add(above.getValue());
      gap(above.getKey().z() - z);
    }
    return changed;
  }

  private void gap(double gap) {
    if (gap > 0) {
      smallestGap = Math.min(smallestGap, gap);
    }
  }

  /** The slice's neighbours if it has both and both look adjacent by the spacing; null otherwise. */
  Neighbours likelyNeighbours(String sop) {
    Position position = positions.get(sop);
    if (position == null || Double.isInfinite(smallestGap)) {
      return null;
    }
    Map.Entry<Position, String> below = byZ.lowerEntry(position);
    Map.Entry<Position, String> above = byZ.higherEntry(position);
    if (below == null || above == null) {
      return null;
    }
    double limit = GAP_TOLERANCE * smallestGap;
    if (position.z() - below.getKey().z() > limit || above.getKey().z() - position.z() > limit) {
      return null;
    }
    return new Neighbours(below.getValue(), above.getValue());
  }

  int size() {
    return byZ.size();
  }
}
