package io.spinestream.tools;

import io.spinestream.events.StudyScore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-study result table of a run: each study's probabilities for C1..C7 and patient_overall, the
 * truth under them when the labels have the study, its RSNA loss and its latency (last slice received to
 * scored), then the RSNA weighted log loss over the labelled studies, computed by {@link Evaluation}.
 */
final class ScoreTable {
  static final int UID_WIDTH = 26;

  private ScoreTable() {}

  /**
   * Formats the table.
   *
   * @param scores the latest score of each study, in display order (an unscored study maps to null)
   * @param labels truth by StudyInstanceUID (RSNA order: patient_overall, C1..C7); may lack studies
   */
  static String format(Map<String, StudyScore> scores, Map<String, int[]> labels) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-" + UID_WIDTH + "s %-5s", "StudyInstanceUID", ""));
    for (int label = 1; label < 8; label++) {
      out.append(String.format(Locale.ROOT, " %5s", RsnaMetric.LABELS[label]));
    }
    out.append(String.format(Locale.ROOT, " %8s %7s %8s%n", "overall", "loss", "latency"));
    Map<String, StudyScore> scored = new LinkedHashMap<>();
    for (Map.Entry<String, StudyScore> entry : scores.entrySet()) {
      String uid = entry.getKey();
      StudyScore score = entry.getValue();
      int[] truth = labels.get(uid);
      out.append(String.format(Locale.ROOT, "%-" + UID_WIDTH + "s %-5s", shorten(uid), "score"));
      if (score == null) {
        out.append("  (no score)\n");
      } else {
        scored.put(uid, score);
        double[] p = Evaluation.probabilities(score);
        for (int label = 1; label < 8; label++) {
          out.append(String.format(Locale.ROOT, " %5.2f", p[label]));
        }
        String loss = truth == null ? "" : String.format(Locale.ROOT, "%.4f",
            RsnaMetric.studyLoss(new RsnaMetric.Study(uid, truth, p)));
        Duration latency = Duration.between(score.getLastSliceReceivedAt(), score.getScoredAt());
        out.append(String.format(Locale.ROOT, " %8.2f %7s %6.1f s%n", p[0], loss, latency.toMillis() / 1000.0));
      }
      out.append(String.format(Locale.ROOT, "%-" + UID_WIDTH + "s %-5s", "", "truth"));
      if (truth == null) {
        out.append("  (not in the labels)\n");
      } else {
        for (int label = 1; label < 8; label++) {
          out.append(String.format(Locale.ROOT, " %5d", truth[label]));
        }
        out.append(String.format(Locale.ROOT, " %8d%n", truth[0]));
      }
    }
    out.append(summary(scored, labels));
    return out.toString();
  }

  /** The metric line(s): RSNA weighted log loss per model pair over the labelled studies. */
  static String summary(Map<String, StudyScore> scored, Map<String, int[]> labels) {
    Map<String, int[]> relevant = new LinkedHashMap<>();
    scored.keySet().forEach(uid -> {
      if (labels.containsKey(uid)) {
        relevant.put(uid, labels.get(uid));
      }
    });
    if (scored.isEmpty()) {
      return "RSNA weighted log loss: no study scored\n";
    }
    if (relevant.isEmpty()) {
      return "RSNA weighted log loss: no labels for the scored studies\n";
    }
    StringBuilder out = new StringBuilder();
    List<StudyScore> all = new ArrayList<>(scored.values());
    Evaluation.latestByModel(all).forEach((model, latest) -> {
      Evaluation evaluation = Evaluation.of(model, latest, relevant);
      out.append(String.format(Locale.ROOT, "RSNA weighted log loss over %d labelled stud%s: %.4f  (%s)%n",
          evaluation.evaluated(), evaluation.evaluated() == 1 ? "y" : "ies", evaluation.logLoss(), model));
    });
    return out.toString();
  }

  /** A UID that fits the column: its start and its end, which is where phantom and scanner UIDs differ. */
  static String shorten(String uid) {
    if (uid.length() <= UID_WIDTH) {
      return uid;
    }
    int tail = 10;
    return uid.substring(0, UID_WIDTH - 3 - tail) + "..." + uid.substring(uid.length() - tail);
  }
}
