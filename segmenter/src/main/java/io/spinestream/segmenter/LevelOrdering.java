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
 * The study-level rules that name each slice's vertebral level consistently along z (contract rules
 * {@value ModelCard#LEVEL_ORDERING_MONOTONE_V1} and {@value ModelCard#LEVEL_ORDERING_MONOTONE_V2}; the Python
 * twin is {@code contract.body_gaps}, {@code contract.level_states} and {@code contract.order_levels} in
 * models/spinestream_models/contract.py, and both must agree exactly).
 *
 * <p>Each slice gets a state: 0 (above the spine: nothing on it is a vertebra), 1..7 (C1..C7) or 8 (thoracic).
 * Going from the most superior slice down the state never decreases. Under v2 moreover no gap between two
 * bodies ({@link #bodyGaps}) has one of C3..C7 on both of its neighbours: the level changes at each gap below C2,
 * so a level the network never names (two bodies both called C4) is counted in, not merged into a neighbour.
 * Among all such sequences the one that keeps the most pixels at the label the model gave them wins (state 0
 * keeps none). A slice in state 0 loses its vertebra pixels; in state s every vertebra pixel (labels 1..8)
 * becomes s, except that in a C1 slice pixels labelled C2 stay C2 (the dens rises into the ring of the atlas).
 *
 * <p>Slices are indexed in z order, index 0 the most <em>inferior</em> (z ascending), as the manifest orders
 * them. Integer arithmetic, and the same tie-breaking as Python: the back pointer is the smallest earlier
 * key (2 * state + closed) attaining the maximum, the final key the smallest with the largest total.
 */
public final class LevelOrdering {
  /** A card's {@code postprocessing.level_ordering}. */
  public enum Rule {
    /** The masks leave as the model gave them. */
    NONE(""),
    /** Levels never go up from the skull down. */
    MONOTONE_V1(ModelCard.LEVEL_ORDERING_MONOTONE_V1),
    /** And the level of a body below C2 never spans a gap between bodies. */
    MONOTONE_V2(ModelCard.LEVEL_ORDERING_MONOTONE_V2);

    private final String cardName;

    Rule(String cardName) {
      this.cardName = cardName;
    }

    /** The rule's name on a card ("" for none). */
    public String cardName() {
      return cardName;
    }

    /** The rule a card names (as {@link ModelCard#levelOrdering()} gives it; the card has validated it). */
    public static Rule of(String cardName) {
      for (Rule rule : values()) {
        if (rule.cardName.equals(cardName)) {
          return rule;
        }
      }
      throw new IllegalArgumentException("unknown level ordering '" + cardName + "' (known: "
          + String.join(", ", ModelCard.LEVEL_ORDERINGS) + ")");
    }
  }

  /** States 0..8, the same as the labels (background, C1..C7, T1-T12). */
  static final int STATES = MaskRegions.LABEL_NAMES.length;
  /** C3..C7: one body each (C1 and C2 interlock with gaps inside the pair; T1-T12 names twelve bodies). */
  private static final int FIRST_SINGLE_BODY = 3;
  private static final int LAST_SINGLE_BODY = 7;
  /** A gap: a slice with under a third of the vertebra pixels of the peaks on both sides. */
  private static final long GAP_DEPTH = 3;
  private static final int ATLAS = 1;
  private static final int DENS = 2;

  private LevelOrdering() {}

  /**
   * The state of each slice under a rule.
   *
   * @param counts per slice in z order (index 0 the most inferior), the pixel count of each label; index 0
   *     (background) is not used, a row may be shorter than {@value #STATES} (missing labels count 0)
   * @param rule {@link Rule#MONOTONE_V1} or {@link Rule#MONOTONE_V2}
   */
  public static int[] states(int[][] counts, Rule rule) {
    if (rule == Rule.NONE) {
      throw new IllegalArgumentException("no level ordering to compute states for");
    }
    int n = counts.length;
    int[] result = new int[n];
    if (n == 0) {
      return result;
    }
    boolean[] gaps = rule == Rule.MONOTONE_V2 ? bodyGaps(foreground(counts)) : new boolean[n];
    // Key 2 * s + closed; closed: the slice is a gap and the slice above has the same single-body level s, so
    // the slice below needs a larger one. best[key]: the most pixels kept by slices k..n-1 with slice k at
    // key (null: impossible); back[k][key]: the key of slice k + 1 (the one above) on that best path. The DP
    // runs from the most superior slice down; without gaps (v1) every key is even: the plain monotone DP.
    int keys = 2 * STATES;
    Long[] best = new Long[keys];
    for (int key = 0; key < keys; key += 2) {
      best[key] = 0L; // above the top slice: any level, nothing kept
    }
    int[][] back = new int[n][keys];
    for (int k = n - 1; k >= 0; k--) {
      Long[] next = new Long[keys];
      for (int key = 0; key < keys; key++) {
        int s = key / 2;
        boolean closed = key % 2 == 1;
        boolean singleBodyGap = gaps[k] && s >= FIRST_SINGLE_BODY && s <= LAST_SINGLE_BODY;
        if (closed && !singleBodyGap) {
          continue;
        }
        int choice = -1;
        for (int above = 0; above < 2 * s + 2; above++) { // states <= s; ties to the smaller key
          if (best[above] == null) {
            continue;
          }
          boolean same = above / 2 == s;
          if ((same && above % 2 == 1) || (closed && !same) || (!closed && same && singleBodyGap)) {
            continue;
          }
          if (choice < 0 || best[above] > best[choice]) {
            choice = above;
          }
        }
        if (choice >= 0) {
          next[key] = best[choice] + (s == 0 ? 0 : count(counts[k], s));
          back[k][key] = choice;
        }
      }
      best = next;
    }
    int key = -1;
    for (int candidate = 0; candidate < keys; candidate++) {
      if (best[candidate] != null && (key < 0 || best[candidate] > best[key])) {
        key = candidate;
      }
    }
    for (int k = 0; k < n; k++) {
      result[k] = key / 2;
      key = back[k][key];
    }
    return result;
  }

  /**
   * Which slices separate two vertebral bodies, from each slice's vertebra pixel count (z order). Between two
   * bodies an axial slice cuts only the disc and some posterior bone, so the count drops: slice k is a gap
   * when on both sides the count rises to more than {@value #GAP_DEPTH} times its own before it falls below it
   * again (on the superior side strictly below, on the inferior side below or equal, so that a flat valley has
   * one gap, its most inferior slice). A fracture cleft or a slice through a body's edge dips far less.
   */
  public static boolean[] bodyGaps(long[] foreground) {
    int n = foreground.length;
    boolean[] gaps = new boolean[n];
    for (int k = 0; k < n; k++) {
      long superior = foreground[k];
      for (int j = k + 1; j < n && foreground[j] >= foreground[k]; j++) {
        superior = Math.max(superior, foreground[j]);
      }
      long inferior = foreground[k];
      for (int j = k - 1; j >= 0 && foreground[j] > foreground[k]; j--) {
        inferior = Math.max(inferior, foreground[j]);
      }
      gaps[k] = GAP_DEPTH * foreground[k] < Math.min(superior, inferior);
    }
    return gaps;
  }

  /** Each slice's vertebra pixels (labels 1..8). */
  static long[] foreground(int[][] counts) {
    long[] out = new long[counts.length];
    for (int k = 0; k < counts.length; k++) {
      for (int s = 1; s < STATES; s++) {
        out[k] += count(counts[k], s);
      }
    }
    return out;
  }

  /** The states of a series from its slices' regions (as {@link MaskRegions#of} gives them), in z order. */
  public static int[] statesOfRegions(List<List<LabelRegion>> regionsPerSlice, Rule rule) {
    int[][] counts = new int[regionsPerSlice.size()][STATES];
    for (int k = 0; k < counts.length; k++) {
      for (LabelRegion region : regionsPerSlice.get(k)) {
        if (isVertebra(region.getLabel())) {
          counts[k][region.getLabel()] += region.getPixelCount();
        }
      }
    }
    return states(counts, rule);
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
