package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RsnaMetricTest {

  @Test
  void shouldWeighPatientOverallSevenOrFourteenAndVerticesOneOrTwo() {
    // All predictions 0.5: every label's loss is ln 2, whatever the weights.
    double[] half = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    RsnaMetric.Study study = new RsnaMetric.Study("s", new int[] {1, 0, 1, 0, 0, 0, 0, 0}, half);
    assertThat(RsnaMetric.studyLoss(study)).isCloseTo(Math.log(2), within(1e-12));
    // Perfect on everything but patient_overall (p=0.5, positive): 14*ln2 / (14 + 2 + 6*1).
    double[] p = {0.5, 1e-9, 1, 1e-9, 1e-9, 1e-9, 1e-9, 1e-9};
    double expected = (14 * Math.log(2) + 6 * -Math.log(1 - 1e-7) + 2 * -Math.log(1 - 1e-7)) / 22;
    assertThat(RsnaMetric.studyLoss(new RsnaMetric.Study("s", new int[] {1, 0, 1, 0, 0, 0, 0, 0}, p)))
        .isCloseTo(expected, within(1e-12));
  }

  @Test
  void shouldAgreeWithAnIndependentNumpyReference(@TempDir Path dir) throws Exception {
    Random random = new Random(11);
    List<RsnaMetric.Study> studies = new ArrayList<>();
    StringBuilder csv = new StringBuilder();
    for (int s = 0; s < 60; s++) {
      int[] truth = new int[8];
      double[] prob = new double[8];
      for (int v = 1; v < 8; v++) {
        truth[v] = random.nextDouble() < 0.2 ? 1 : 0;
        prob[v] = Math.round(Math.min(1, Math.max(0, 0.3 * truth[v] + random.nextDouble() * 0.7)) * 20) / 20.0;
        truth[0] |= truth[v];
      }
      prob[0] = Math.max(prob[1], prob[2]);
      studies.add(new RsnaMetric.Study("s" + s, truth, prob));
      csv.append("s").append(s);
      for (int t : truth) {
        csv.append(',').append(t);
      }
      for (double p : prob) {
        csv.append(',').append(p);
      }
      csv.append('\n');
    }
    Path file = Files.writeString(dir.resolve("scores.csv"), csv);
    Process process = new ProcessBuilder("/usr/bin/python3", "src/test/python/rsna_reference.py", file.toString())
        .redirectErrorStream(true).start();
    String[] lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\n");
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();

    assertThat(RsnaMetric.logLoss(studies)).isCloseTo(Double.parseDouble(lines[0]), within(1e-12));
    for (int label = 0; label < 8; label++) {
      assertThat(RsnaMetric.auc(studies, label)).as(RsnaMetric.LABELS[label])
          .isCloseTo(Double.parseDouble(lines[1 + label]), within(1e-12));
    }
  }

  @Test
  void shouldReportNoAucWhenOnlyOneClassIsPresent() {
    List<RsnaMetric.Study> negatives = List.of(new RsnaMetric.Study("a", new int[8], new double[8]));
    assertThat(RsnaMetric.auc(negatives, 3)).isNaN();
  }
}
