package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import io.spinestream.segmenter.LevelOrdering.Rule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LevelOrderingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** Per slice, listed superior first as a reader scrolls (as the Python tests list them), 100 pixels of a label. */
  private static int[][] superiorFirst(int... levels) {
    int[][] counts = new int[levels.length][LevelOrdering.STATES];
    for (int i = 0; i < levels.length; i++) {
      counts[levels.length - 1 - i][levels[i]] += 100;
    }
    return counts;
  }

  private static int[] reversed(int[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[values.length - 1 - i];
    }
    return out;
  }

  @Test
  void shouldGiveASliceOutOfOrderItsNeighboursLevel() {
    int[] states = LevelOrdering.states(superiorFirst(1, 1, 2, 2, 4, 2, 3, 3), Rule.MONOTONE_V1);
    assertThat(reversed(states)).containsExactly(1, 1, 2, 2, 2, 2, 3, 3);
  }

  @Test
  void shouldTakeARingAboveTheAtlasForNoVertebra() {
    int[] states = LevelOrdering.states(superiorFirst(3, 5, 1, 1, 1, 2, 2, 2), Rule.MONOTONE_V1);
    assertThat(reversed(states)).containsExactly(0, 0, 1, 1, 1, 2, 2, 2);
  }

  @Test
  void shouldHandleEmptyAndBlankSeries() {
    for (Rule rule : List.of(Rule.MONOTONE_V1, Rule.MONOTONE_V2)) {
      assertThat(LevelOrdering.states(new int[0][], rule)).isEmpty();
      // Nothing anywhere: every state keeps 0 pixels, ties go to the smallest state.
      assertThat(LevelOrdering.states(new int[3][LevelOrdering.STATES], rule)).containsExactly(0, 0, 0);
    }
    assertThatThrownBy(() -> LevelOrdering.states(new int[1][LevelOrdering.STATES], Rule.NONE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldFindTheBestMonotoneSequence() {
    Random random = new Random(7);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + random.nextInt(4);
      int[][] counts = new int[n][LevelOrdering.STATES];
      for (int[] row : counts) {
        for (int s = 0; s < row.length; s++) {
          row[s] = random.nextInt(4);
        }
      }
      int[] states = LevelOrdering.states(counts, Rule.MONOTONE_V1);
      for (int k = 0; k + 1 < n; k++) {
        assertThat(states[k]).as("non-increasing from inferior to superior: %s", states).isGreaterThanOrEqualTo(
            states[k + 1]);
      }
      assertThat(gain(counts, states)).isEqualTo(bestGain(counts, n - 1, 0, null));
    }
  }

  private static long gain(int[][] counts, int[] states) {
    long total = 0;
    for (int k = 0; k < states.length; k++) {
      total += states[k] == 0 ? 0 : counts[k][states[k]];
    }
    return total;
  }

  /**
   * Brute force over every sequence, slice k downwards from the top with states >= low; with gaps (v2), no
   * gap slice has the same level of C3..C7 on both neighbours ({@code run}: the states from the top so far).
   */
  private static long bestGain(int[][] counts, int k, int low, boolean[] gaps) {
    return bestGain(counts, k, low, gaps, new int[counts.length]);
  }

  private static long bestGain(int[][] counts, int k, int low, boolean[] gaps, int[] run) {
    if (k < 0) {
      return 0;
    }
    long best = Long.MIN_VALUE;
    for (int s = low; s < LevelOrdering.STATES; s++) {
      int n = counts.length;
      if (gaps != null && k + 2 < n && gaps[k + 1] && run[k + 2] == s && run[k + 1] == s && s >= 3 && s <= 7) {
        continue;
      }
      run[k] = s;
      long rest = bestGain(counts, k - 1, s, gaps, run);
      if (rest != Long.MIN_VALUE) {
        best = Math.max(best, (s == 0 ? 0 : counts[k][s]) + rest);
      }
    }
    return best;
  }

  @Test
  void shouldFindGapsOnlyInDeepValleysOfTheVertebraPixels() {
    long[] foreground = {900, 1000, 100, 1000, 800, 500, 800, 1000, 300, 300, 1000, 50};
    // 100 and the flat valley's most inferior 300 are gaps; 500 is a shallow dip (a cleft); 50 is the most
    // superior slice, with no body above it. The same case as the Python test.
    boolean[] gaps = LevelOrdering.bodyGaps(foreground);
    List<Integer> at = new ArrayList<>();
    for (int k = 0; k < gaps.length; k++) {
      if (gaps[k]) {
        at.add(k);
      }
    }
    assertThat(at).containsExactly(2, 8);
    assertThat(LevelOrdering.bodyGaps(new long[3])).containsExactly(false, false, false);
  }

  @Test
  void shouldCountTwoBodiesNamedAlikeUnderTheSecondRuleOnly() {
    // Bodies superior first, 5 slices of 1000 pixels each and a gap slice of 100 below: C2, C3, C4, C4, C6.
    int[] named = {2, 3, 4, 4, 6};
    int[][] counts = new int[named.length * 6][LevelOrdering.STATES];
    for (int b = 0; b < named.length; b++) {
      for (int i = 0; i < 6; i++) {
        counts[counts.length - 1 - (b * 6 + i)][named[b]] = i < 5 ? 1000 : 100;
      }
    }
    int[] v1 = reversed(LevelOrdering.states(counts, Rule.MONOTONE_V1));
    int[] v2 = reversed(LevelOrdering.states(counts, Rule.MONOTONE_V2));
    for (int b = 0; b < named.length; b++) {
      assertThat(v1[b * 6]).as("v1 body %d", b).isEqualTo(new int[] {2, 3, 4, 4, 6}[b]);
      assertThat(v2[b * 6]).as("v2 body %d", b).isEqualTo(new int[] {2, 3, 4, 5, 6}[b]);
    }
  }

  @Test
  void shouldFindTheBestSequenceThatCountsTheBodies() {
    Random random = new Random(5);
    for (int trial = 0; trial < 400; trial++) {
      int n = 1 + random.nextInt(6);
      int[][] counts = new int[n][LevelOrdering.STATES];
      for (int[] row : counts) {
        boolean valley = random.nextInt(3) == 0;
        for (int s = 1; s < row.length; s++) {
          row[s] = valley ? random.nextInt(2) : random.nextInt(6);
        }
      }
      boolean[] gaps = LevelOrdering.bodyGaps(LevelOrdering.foreground(counts));
      int[] states = LevelOrdering.states(counts, Rule.MONOTONE_V2);
      for (int k = 0; k + 1 < n; k++) {
        assertThat(states[k]).as("non-increasing from inferior to superior: %s", states).isGreaterThanOrEqualTo(
            states[k + 1]);
        if (k >= 1 && gaps[k] && states[k] >= 3 && states[k] <= 7) {
          assertThat(states[k - 1] == states[k] && states[k + 1] == states[k]).as("a body level across the gap at"
              + " %d: %s", k, states).isFalse();
        }
      }
      assertThat(gain(counts, states)).isEqualTo(bestGain(counts, n - 1, 0, gaps));
    }
  }

  @Test
  void shouldRelabelEveryVertebraRegionButKeepTheDensInTheAtlas() {
    List<LabelRegion> regions = List.of(
        new LabelRegion(1, "C1", 30, new PixelBox(10, 20, 40, 50)),
        new LabelRegion(2, "C2", 5, new PixelBox(22, 30, 28, 36)),
        new LabelRegion(3, "C3", 2, new PixelBox(60, 5, 64, 9)));
    assertThat(LevelOrdering.apply(regions, 1)).containsExactly(
        new LabelRegion(1, "C1", 32, new PixelBox(10, 5, 64, 50)),
        new LabelRegion(2, "C2", 5, new PixelBox(22, 30, 28, 36)));
    assertThat(LevelOrdering.apply(regions, 2)).containsExactly(
        new LabelRegion(2, "C2", 37, new PixelBox(10, 5, 64, 50)));
    assertThat(LevelOrdering.apply(regions, 8)).containsExactly(
        new LabelRegion(8, "T1-T12", 37, new PixelBox(10, 5, 64, 50)));
    assertThat(LevelOrdering.apply(regions, 0)).isEmpty();
    assertThat(LevelOrdering.apply(List.of(new LabelRegion(2, "C2", 5, new PixelBox(1, 1, 2, 2))), 1))
        .as("a C1 slice with only the dens").containsExactly(new LabelRegion(2, "C2", 5, new PixelBox(1, 1, 2, 2)));
    assertThatThrownBy(() -> LevelOrdering.apply(regions, 9)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRelabelRunsAndMergeTheNeighboursThatNowAgree() {
    byte[] map = {0, 0, 3, 3, 4, 2, 2, 0, 8, 1};
    RunLengthMask rle = MaskRegions.runLength(map);
    for (int state = 0; state < LevelOrdering.STATES; state++) {
      assertThat(LevelOrdering.apply(rle, state)).as("state %d", state)
          .isEqualTo(MaskRegions.runLength(LevelOrdering.apply(map, state)));
    }
    assertThat(LevelOrdering.apply(rle, 5).getLengths()).containsExactly(2, 5, 1, 2);
    assertThat(LevelOrdering.apply(map, 1)).containsExactly(0, 0, 1, 1, 1, 2, 2, 0, 1, 1);
  }

  /**
   * The Java twin against the Python reference (models/spinestream_models/contract.py, run by Debian's
   * /usr/bin/python3): the same states for raw counts with many ties, and for random label maps the same
   * states and, after relabelling, exactly the regions and runs that the Python relabelled map gives.
   */
  @Test
  void shouldAgreeWithThePythonReferenceOnRandomCases() throws Exception {
    Random random = new Random(20221010);
    List<int[][]> countCases = new ArrayList<>();
    for (int c = 0; c < 400; c++) {
      int n = 1 + random.nextInt(c < 200 ? 6 : 60);
      int range = c % 2 == 0 ? 3 : 5000;
      int[][] counts = new int[n][LevelOrdering.STATES];
      for (int[] row : counts) {
        // Some slices with a tenth of the pixels, so that v2 finds gaps between bodies.
        int scale = random.nextInt(5) == 0 ? 10 : 1;
        for (int s = 0; s < row.length; s++) {
          row[s] = random.nextInt(4) == 0 ? 0 : random.nextInt(range) / scale;
        }
      }
      countCases.add(counts);
    }
    record MapCase(int n, int h, int w, int rows, int columns, byte[][] maps) {}
    List<MapCase> mapCases = new ArrayList<>();
    for (int c = 0; c < 250; c++) {
      int n = 1 + random.nextInt(25);
      int h = 2 + random.nextInt(7);
      int w = 2 + random.nextInt(7);
      mapCases.add(new MapCase(n, h, w, 5 + random.nextInt(600), 5 + random.nextInt(600), plausibleMaps(random, n, h, w)));
    }

    Map<String, Object> input = new HashMap<>();
    input.put("counts", countCases);
    List<Map<String, Object>> maps = new ArrayList<>();
    for (MapCase m : mapCases) {
      List<Integer> flat = new ArrayList<>();
      for (byte[] slice : m.maps()) {
        for (byte b : slice) {
          flat.add((int) b);
        }
      }
      maps.add(Map.of("n", m.n(), "h", m.h(), "w", m.w(), "labels", flat));
    }
    input.put("maps", maps);
    JsonNode python = runReference(input);

    for (int c = 0; c < countCases.size(); c++) {
      assertThat(LevelOrdering.bodyGaps(LevelOrdering.foreground(countCases.get(c)))).as("gaps case %d", c)
          .containsExactly(booleans(python.get("gaps").get(c)));
    }
    for (Rule rule : List.of(Rule.MONOTONE_V1, Rule.MONOTONE_V2)) {
      JsonNode reference = python.get(rule.cardName());
      for (int c = 0; c < countCases.size(); c++) {
        assertThat(LevelOrdering.states(countCases.get(c), rule)).as("%s counts case %d", rule, c)
            .containsExactly(ints(reference.get("counts_states").get(c)));
      }
      for (int c = 0; c < mapCases.size(); c++) {
        MapCase m = mapCases.get(c);
        List<List<LabelRegion>> regions = new ArrayList<>();
        for (byte[] slice : m.maps()) {
          regions.add(MaskRegions.of(slice, m.h(), m.w(), m.rows(), m.columns()));
        }
        int[] states = LevelOrdering.statesOfRegions(regions, rule);
        assertThat(states).as("%s map case %d", rule, c).containsExactly(ints(reference.get("map_states").get(c)));
        int[] ordered = ints(reference.get("maps").get(c));
        int pixels = m.h() * m.w();
        for (int k = 0; k < m.n(); k++) {
          byte[] expected = new byte[pixels];
          for (int p = 0; p < pixels; p++) {
            expected[p] = (byte) ordered[k * pixels + p];
          }
          assertThat(LevelOrdering.apply(regions.get(k), states[k])).as("%s case %d slice %d regions", rule, c, k)
              .isEqualTo(MaskRegions.of(expected, m.h(), m.w(), m.rows(), m.columns()));
          assertThat(LevelOrdering.apply(MaskRegions.runLength(m.maps()[k]), states[k]))
              .as("%s case %d slice %d runs", rule, c, k).isEqualTo(MaskRegions.runLength(expected));
        }
      }
    }
    assertThat(gapCount(python.get("gaps"))).as("cases with gaps, so that v2 differs from v1").isGreaterThan(50);
  }

  private static int gapCount(JsonNode cases) {
    int total = 0;
    for (JsonNode c : cases) {
      for (JsonNode gap : c) {
        total += gap.asBoolean() ? 1 : 0;
      }
    }
    return total;
  }

  private static boolean[] booleans(JsonNode array) {
    boolean[] out = new boolean[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asBoolean();
    }
    return out;
  }

  /**
   * Label maps that look like a model's output: a true level sequence descending from the top of the
   * series (background above the spine, C1 with the dens, ..., thoracic), each slice mostly its level, with
   * some pixels of a neighbouring or random level and sometimes a whole slice at a wrong level.
   */
  private static byte[][] plausibleMaps(Random random, int n, int h, int w) {
    byte[][] maps = new byte[n][h * w];
    int level = random.nextInt(3);
    for (int k = n - 1; k >= 0; k--) {
      if (random.nextInt(3) == 0 && level < 8) {
        level++;
      }
      int sliceLevel = random.nextInt(8) == 0 ? random.nextInt(9) : level;
      // Between bodies (one slice in five) a slice is mostly background: a gap for v2.
      boolean disc = random.nextInt(5) == 0;
      for (int p = 0; p < h * w; p++) {
        int roll = random.nextInt(10);
        int label;
        if (roll < 4 || (disc && random.nextInt(10) > 0)) {
          label = 0;
        } else if (roll < 8) {
          label = sliceLevel;
        } else if (roll < 9) {
          label = Math.max(0, Math.min(8, sliceLevel + (random.nextBoolean() ? 1 : -1)));
        } else {
          label = sliceLevel == 1 ? 2 : random.nextInt(9);
        }
        maps[k][p] = (byte) label;
      }
    }
    return maps;
  }

  private JsonNode runReference(Object input) throws Exception {
    Path in = dir.resolve("cases.json");
    Path out = dir.resolve("reference.json");
    JSON.writeValue(in.toFile(), input);
    Path repository = Path.of("").toAbsolutePath().getParent();
    ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "src/test/python/level_ordering_reference.py",
        in.toString(), out.toString()).redirectErrorStream(true);
    builder.environment().put("PYTHONPATH", repository.resolve("models").toString());
    Process process = builder.start();
    String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("Python reference (Debian python3-torch at /usr/bin/python3): %s", log)
        .isZero();
    return JSON.readTree(out.toFile());
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
