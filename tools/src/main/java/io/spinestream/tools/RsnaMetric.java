package io.spinestream.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The RSNA 2022 Cervical Spine Fracture Detection metric: per study, a weighted binary log loss over eight
 * labels (patient_overall, C1..C7) — patient_overall weighs 7 when negative and 14 when positive, each
 * vertebra 1 and 2 — divided by the sum of the weights; then the mean over studies. Probabilities are
 * clipped to [1e-7, 1 - 1e-7]. And the per-label ROC AUC (Mann-Whitney, ties counted half).
 */
public final class RsnaMetric {
  public static final String[] LABELS = {"patient_overall", "C1", "C2", "C3", "C4", "C5", "C6", "C7"};
  private static final double EPSILON = 1e-7;

  private RsnaMetric() {}

  /** One study: truth (0/1) and predicted probabilities, both in {@link #LABELS} order. */
  public record Study(String uid, int[] truth, double[] probability) {
    public Study {
      if (truth.length != 8 || probability.length != 8) {
        throw new IllegalArgumentException("a study needs 8 labels (patient_overall, C1..C7)");
      }
    }
  }

  /** The weighted log loss of one study. */
  public static double studyLoss(Study study) {
    double weighted = 0;
    double weights = 0;
    for (int i = 0; i < 8; i++) {
      double weight = i == 0 ? (study.truth()[0] == 1 ? 14 : 7) : (study.truth()[i] == 1 ? 2 : 1);
      double p = Math.min(1 - EPSILON, Math.max(EPSILON, study.probability()[i]));
      double loss = study.truth()[i] == 1 ? -Math.log(p) : -Math.log(1 - p);
      weighted += weight * loss;
      weights += weight;
    }
    return weighted / weights;
  }

  /** The competition metric: mean of the study losses. */
  public static double logLoss(List<Study> studies) {
    return studies.stream().mapToDouble(RsnaMetric::studyLoss).average().orElse(Double.NaN);
  }

  /** ROC AUC of one label; NaN when all studies are of one class. */
  public static double auc(List<Study> studies, int label) {
    record Point(double score, int truth) {}
    List<Point> points = new ArrayList<>();
    studies.forEach(s -> points.add(new Point(s.probability()[label], s.truth()[label])));
    points.sort(Comparator.comparingDouble(Point::score));
    long positives = points.stream().filter(p -> p.truth() == 1).count();
    long negatives = points.size() - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    // Rank sum of the positives, with average ranks for ties.
    double rankSum = 0;
    int i = 0;
    while (i < points.size()) {
      int j = i;
      while (j + 1 < points.size() && points.get(j + 1).score() == points.get(i).score()) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (points.get(k).truth() == 1) {
          rankSum += averageRank;
        }
      }
      i = j + 1;
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /** AUC over all vertebrae together (every study contributes seven points). */
  public static double vertebraAuc(List<Study> studies) {
    List<Study> flattened = new ArrayList<>();
    for (Study s : studies) {
      for (int v = 1; v <= 7; v++) {
        int[] truth = new int[8];
        double[] p = new double[8];
        Arrays.fill(truth, 0);
        truth[0] = s.truth()[v];
        p[0] = s.probability()[v];
        flattened.add(new Study(s.uid() + "/" + v, truth, p));
      }
    }
    return auc(flattened, 0);
  }
}
