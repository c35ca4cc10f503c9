package io.spinestream.segmenter;

import io.spinestream.common.inference.ModelCard;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The study-level rule that names each slice's vertebral level consistently along z (contract rule
 * {@value ModelCard#LEVEL_ORDERING_MONOTONE_V1}; the Python twin is {@code contract.level_states} and
 * {@code contract.order_levels} in models/spinestream_models/contract.py, and both must agree exactly).
 *
 * <p>Each slice gets a state: 0 (above the spine: nothing on it is a vertebra), 1..7 (C1..C7) or 8 (thoracic).
 * Going from the most superior slice down the state never decreases; among all such sequences the one that
 * keeps the most pixels at the label the model gave them wins (state 0 keeps none), ties to the smaller
 * state. A slice in state 0 loses its vertebra pixels; in state s every vertebra pixel (labels 1..8) becomes
 * s, except that in a C1 slice pixels labelled C2 stay C2 (the dens rises into the ring of the atlas).
 *
 * <p>Slices are indexed in z order, index 0 the most <em>inferior</em> (z ascending), as the manifest orders
 * them. Integer arithmetic, and the same tie-breaking as Python: the back pointer is the smallest earlier
 * state attaining the running maximum, the final state the smallest with the largest total.
 */
public final class LevelOrdering {
  /** The card value that asks for this rule. */
  public static final String NAME = ModelCard.LEVEL_ORDERING_MONOTONE_V1;
  /** States 0..8, the same as the labels (background, C1..C7, T1-T12). */
  static final int STATES = MaskRegions.LABEL_NAMES.length;
  private static final int ATLAS = 1;
  private static final int DENS = 2;

  private LevelOrdering() {}

  /**
   * The state of each slice.
   *
   * @param counts per slice in z order (index 0 the most inferior), the pixel count of each label; index 0
   *     (background) is not used, a row may be shorter than {@value #STATES} (missing labels count 0)
   */
  public static int[] states(int[][] counts) {
    int n = counts.length;
    int[] result = new int[n];
    if (n == 0) {
      return result;
    }
    // best[s]: the most pixels kept by slices k..n-1 with slice k in state s; back[k][s]: the state of slice
    // k + 1 (the one above) on that best path. The DP runs from the most superior slice down.
    long[] best = new long[STATES];
    int[][] back = new int[n][STATES];
    for (int k = n - 1; k >= 0; k--) {
      long[] next = new long[STATES];
      long running = 0;
      int runningAt = 0;
      for (int s = 0; s < STATES; s++) {
        // Strictly greater: the pointer stays at the smallest state attaining the running maximum.
        if (s == 0 || best[s] > running) {
          running = best[s];
          runningAt = s;
        }
        back[k][s] = runningAt;
        next[s] = running + (s == 0 ? 0 : count(counts[k], s));
      }
      best = next;
    }
    int state = 0;
    for (int s = 1; s < STATES; s++) {
      if (best[s] > best[state]) {
        state = s;
      }
    }
    for (int k = 0; k < n; k++) {
      result[k] = state;
      state = back[k][state];
    }
    return result;
  }

  /** The states of a series from its slices' regions (as {@link MaskRegions#of} gives them), in z order. */
  public static int[] statesOfRegions(List<List<LabelRegion>> regionsPerSlice) {
    int[][] counts = new int[regionsPerSlice.size()][STATES];
    for (int k = 0; k < counts.length; k++) {
      for (LabelRegion region : regionsPerSlice.get(k)) {
        if (isVertebra(region.getLabel())) {
          counts[k][region.getLabel()] += region.getPixelCount();
        }
      }
    }
    return states(counts);
  }

  /**
   * A slice's regions after the rule put it in {@code state}: the same as {@link MaskRegions#of} of the
   * relabelled map. Merging is exact: counts add up, and the union of the mapped boxes is the mapped box of
   * the union, because the mapping (floor for the start, ceil for the end) is monotone.
   */
  public static List<LabelRegion> apply(List<LabelRegion> regions, int state) {
    checkState(state);
    List<LabelRegion> out = new ArrayList<>(2);
    if (state == 0) {
      return out;
    }
    int count = 0;
    int x0 = Integer.MAX_VALUE;
    int y0 = Integer.MAX_VALUE;
    int x1 = Integer.MIN_VALUE;
    int y1 = Integer.MIN_VALUE;
    LabelRegion dens = null;
    for (LabelRegion region : regions) {
      int label = region.getLabel();
      if (!isVertebra(label)) {
        continue;
      }
      if (state == ATLAS && label == DENS) {
        dens = region;
        continue;
      }
      PixelBox box = region.getBox();
      count += region.getPixelCount();
      x0 = Math.min(x0, box.getX0());
      y0 = Math.min(y0, box.getY0());
      x1 = Math.max(x1, box.getX1());
      y1 = Math.max(y1, box.getY1());
    }
    if (count > 0) {
      out.add(new LabelRegion(state, MaskRegions.LABEL_NAMES[state], count, new PixelBox(x0, y0, x1, y1)));
    }
    if (dens != null) {
      out.add(dens);
    }
    return out;
  }

  /** A run-length label map after the rule put its slice in {@code state}; adjacent equal runs are merged. */
  public static RunLengthMask apply(RunLengthMask mask, int state) {
    checkState(state);
    ByteBuffer labels = mask.getLabels().duplicate();
    List<Integer> lengths = mask.getLengths();
    ByteArrayOutputStream outLabels = new ByteArrayOutputStream(lengths.size());
    List<Integer> outLengths = new ArrayList<>(lengths.size());
    int previous = -1;
    for (int i = 0; i < lengths.size(); i++) {
      int label = relabel(labels.get(), state);
      if (label == previous) {
        int last = outLengths.size() - 1;
        outLengths.set(last, outLengths.get(last) + lengths.get(i));
      } else {
        outLabels.write(label);
        outLengths.add(lengths.get(i));
        previous = label;
      }
    }
    return new RunLengthMask(ByteBuffer.wrap(outLabels.toByteArray()), outLengths);
  }

  /** A label map (one byte per pixel) after the rule put its slice in {@code state}, as a new array. */
  public static byte[] apply(byte[] labels, int state) {
    checkState(state);
    byte[] out = new byte[labels.length];
    for (int p = 0; p < labels.length; p++) {
      out[p] = (byte) relabel(labels[p], state);
    }
    return out;
  }

  private static int relabel(int label, int state) {
    if (!isVertebra(label) || (state == ATLAS && label == DENS)) {
      return label;
    }
    return state;
  }

  private static boolean isVertebra(int label) {
    return label >= 1 && label < STATES;
  }

  private static int count(int[] counts, int label) {
    return label < counts.length ? counts[label] : 0;
  }

  private static void checkState(int state) {
    if (state < 0 || state >= STATES) {
      throw new IllegalArgumentException("level state must be 0.." + (STATES - 1) + ", got " + state);
    }
  }
}
