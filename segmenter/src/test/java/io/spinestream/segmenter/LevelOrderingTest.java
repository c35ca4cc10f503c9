package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
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
    int[] states = LevelOrdering.states(superiorFirst(1, 1, 2, 2, 4, 2, 3, 3));
    assertThat(reversed(states)).containsExactly(1, 1, 2, 2, 2, 2, 3, 3);
  }

  @Test
  void shouldTakeARingAboveTheAtlasForNoVertebra() {
    int[] states = LevelOrdering.states(superiorFirst(3, 5, 1, 1, 1, 2, 2, 2));
    assertThat(reversed(states)).containsExactly(0, 0, 1, 1, 1, 2, 2, 2);
  }

  @Test
  void shouldHandleEmptyAndBlankSeries() {
    assertThat(LevelOrdering.states(new int[0][])).isEmpty();
    // Nothing anywhere: every state keeps 0 pixels, ties go to the smallest state.
    assertThat(LevelOrdering.states(new int[3][LevelOrdering.STATES])).containsExactly(0, 0, 0);
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
      int[] states = LevelOrdering.states(counts);
      for (int k = 0; k + 1 < n; k++) {
        assertThat(states[k]).as("non-increasing from inferior to superior: %s", states).isGreaterThanOrEqualTo(
            states[k + 1]);
      }
      assertThat(gain(counts, states)).isEqualTo(bestGain(counts, n - 1, 0));
    }
  }

  private static long gain(int[][] counts, int[] states) {
    long total = 0;
    for (int k = 0; k < states.length; k++) {
      total += states[k] == 0 ? 0 : counts[k][states[k]];
    }
    return total;
  }

  /** Brute force over every sequence, slice k downwards from the top with states >= low. */
  private static long bestGain(int[][] counts, int k, int low) {
    if (k < 0) {
      return 0;
    }
    long best = Long.MIN_VALUE;
    for (int s = low; s < LevelOrdering.STATES; s++) {
      best = Math.max(best, (s == 0 ? 0 : counts[k][s]) + bestGain(counts, k - 1, s));
    }
    return best;
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
        for (int s = 0; s < row.length; s++) {
          row[s] = random.nextInt(4) == 0 ? 0 : random.nextInt(range);
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
      assertThat(LevelOrdering.states(countCases.get(c))).as("counts case %d", c)
          .containsExactly(ints(python.get("counts_states").get(c)));
    }
    for (int c = 0; c < mapCases.size(); c++) {
      MapCase m = mapCases.get(c);
      List<List<LabelRegion>> regions = new ArrayList<>();
      for (byte[] slice : m.maps()) {
        regions.add(MaskRegions.of(slice, m.h(), m.w(), m.rows(), m.columns()));
      }
      int[] states = LevelOrdering.statesOfRegions(regions);
      assertThat(states).as("map case %d", c).containsExactly(ints(python.get("map_states").get(c)));
      int[] ordered = ints(python.get("maps").get(c));
      int pixels = m.h() * m.w();
      for (int k = 0; k < m.n(); k++) {
        byte[] expected = new byte[pixels];
        for (int p = 0; p < pixels; p++) {
          expected[p] = (byte) ordered[k * pixels + p];
        }
        assertThat(LevelOrdering.apply(regions.get(k), states[k])).as("case %d slice %d regions", c, k)
            .isEqualTo(MaskRegions.of(expected, m.h(), m.w(), m.rows(), m.columns()));
        assertThat(LevelOrdering.apply(MaskRegions.runLength(m.maps()[k]), states[k]))
            .as("case %d slice %d runs", c, k).isEqualTo(MaskRegions.runLength(expected));
      }
    }
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
      for (int p = 0; p < h * w; p++) {
        int roll = random.nextInt(10);
        int label;
        if (roll < 4) {
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
