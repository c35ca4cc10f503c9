package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.StudyScore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScoreTableTest {
  private static final String A = "2.25.118716423361237016520163734408719563912";
  private static final String B = "1.2.826.0.1.3680043.10001";

  @Test
  void shouldPrintEachStudysScoresTruthLossAndLatencyThenTheRsnaMetric() {
    Map<String, StudyScore> scores = new LinkedHashMap<>();
    scores.put(A, Scores.score(A, new double[] {0.8, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1}, Scores.T0,
        Scores.T0.plusMillis(12_040)));
    scores.put(B, Scores.score(B, new double[] {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, Scores.T0,
        Scores.T0.plusSeconds(3)));
    Map<String, int[]> labels = Map.of(A, new int[] {1, 0, 1, 0, 0, 0, 0, 0}, B, new int[8]);

    List<String> lines = ScoreTable.format(scores, labels).lines().toList();

    assertThat(words(lines.get(0))).containsExactly("StudyInstanceUID", "C1", "C2", "C3", "C4", "C5", "C6", "C7",
        "overall", "loss", "latency");
    // A: positive overall (weight 14) and C2 (weight 2) at 0.8, six negatives (weight 1) at 0.1.
    double lossA = (16 * -Math.log(0.8) + 6 * -Math.log(0.9)) / 22;
    double lossB = -Math.log(0.9);
    assertThat(words(lines.get(1))).containsExactly("2.25.11871642...8719563912", "score", "0.10", "0.80", "0.10", "0.10", "0.10", "0.10", "0.10", "0.80",
        fourDecimals(lossA), "12.0", "s");
    assertThat(words(lines.get(2))).containsExactly("truth", "0", "1", "0", "0", "0", "0", "0", "1");
    assertThat(words(lines.get(3))).containsExactly(B, "score", "0.10", "0.10", "0.10", "0.10", "0.10", "0.10",
        "0.10", "0.10", fourDecimals(lossB), "3.0", "s");
    assertThat(words(lines.get(4))).containsExactly("truth", "0", "0", "0", "0", "0", "0", "0", "0");
    assertThat(lines.get(5)).isEqualTo("RSNA weighted log loss over 2 labelled studies: "
        + fourDecimals((lossA + lossB) / 2) + "  (cls-test 2.0.0 / seg-test 1.0.0)");
    assertThat(lines).hasSize(6);
  }

  @Test
  void shouldShowStudiesWithoutScoreOrLabelAndLeaveThemOutOfTheMetric() {
    Map<String, StudyScore> scores = new LinkedHashMap<>();
    scores.put("S1", Scores.score("S1", 0.5));
    scores.put("S2", null);
    scores.put("S3", Scores.score("S3", 0.9));
    Map<String, int[]> labels = Map.of("S1", new int[8], "S2", new int[8]);

    List<String> lines = ScoreTable.format(scores, labels).lines().toList();

    assertThat(words(lines.get(3))).containsExactly("S2", "score", "(no", "score)");
    assertThat(words(lines.get(4))).containsExactly("truth", "0", "0", "0", "0", "0", "0", "0", "0");
    // S3 has no label: no loss column.
    assertThat(words(lines.get(5))).containsExactly("S3", "score", "0.90", "0.90", "0.90", "0.90", "0.90", "0.90",
        "0.90", "0.90", "10.0", "s");
    assertThat(lines.get(6).trim()).isEqualTo("truth  (not in the labels)");
    // Only S1 is both scored and labelled: the metric is its loss alone.
    assertThat(lines.get(7)).startsWith("RSNA weighted log loss over 1 labelled study: "
        + fourDecimals(-Math.log(0.5)));
  }

  @Test
  void shouldSaySoWhenNoScoredStudyHasALabel() {
    Map<String, StudyScore> scores = new LinkedHashMap<>();
    scores.put("S1", Scores.score("S1", 0.5));
    assertThat(ScoreTable.summary(scores, Map.of()))
        .isEqualTo("RSNA weighted log loss: no labels for the scored studies\n");
    assertThat(ScoreTable.summary(Map.of(), Map.of("S1", new int[8])))
        .isEqualTo("RSNA weighted log loss: no study scored\n");
  }

  @Test
  void shouldShortenLongUidsKeepingTheirStartAndEnd() {
    assertThat(ScoreTable.shorten(B)).isEqualTo(B);
    assertThat(ScoreTable.shorten(A)).isEqualTo("2.25.11871642...8719563912").hasSize(ScoreTable.UID_WIDTH);
  }

  private static List<String> words(String line) {
    return Arrays.asList(line.trim().split("\\s+"));
  }

  private static String fourDecimals(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
