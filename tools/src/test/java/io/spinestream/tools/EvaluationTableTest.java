package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The side-by-side table of {@code tools evaluate}: one aligned column per model version. */
class EvaluationTableTest {
  private static Evaluation evaluation(String model, int scored, double logLoss) {
    Map<String, Double> auc = new LinkedHashMap<>();
    for (String label : RsnaMetric.LABELS) {
      auc.put(label, 0.75);
    }
    return new Evaluation(model, scored, scored, 0, 3 - scored, logLoss, auc, 0.8, 0.5);
  }

  @Test
  void shouldLineUpVersionsWithLongNamesColumnByColumn() {
    String table = ToolsMain.table(List.of(
        evaluation("spine-cls-plainw025-96 1.1.0 / spine-seg-b0w025-160 1.1.0", 3, 0.0363),
        evaluation("spine-cls-plainw025-96 1.1.0-prev30 / spine-seg-b0w025-160 1.1.0", 2, 0.0122)));

    List<String> lines = table.lines().toList();
    assertThat(lines).as("header, 5 count and loss rows, 8 AUCs, all vertebrae").hasSize(1 + 5 + 8 + 1);
    int first = lines.get(0).indexOf('|');
    int second = lines.get(0).indexOf('|', first + 1);
    assertThat(lines).allSatisfy(line -> {
      assertThat(line.indexOf('|')).as(line).isEqualTo(first);
      assertThat(line.indexOf('|', first + 1)).as(line).isEqualTo(second);
    });
    assertThat(lines.get(1)).startsWith("studies scored").contains("| 3 ").contains("| 2");
    assertThat(lines.get(5)).contains("0.0363").contains("0.0122");
  }
}
