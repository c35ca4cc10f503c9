package io.spinestream.tools;

import io.spinestream.events.StudyScore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores of one model version joined with RSNA-format labels: the competition metric, AUC per label, and
 * what could not be joined.
 */
public record Evaluation(String model, int scored, int evaluated, int unlabelled, int missing, double logLoss,
    Map<String, Double> auc, double vertebraAuc, double positiveRate) {

  /** Labels from an RSNA {@code train.csv}: StudyInstanceUID,patient_overall,C1..C7. */
  public static Map<String, int[]> readLabels(Path trainCsv) throws IOException {
    List<String> lines = Files.readAllLines(trainCsv);
    if (lines.isEmpty() || !lines.get(0).replace(" ", "").startsWith("StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7")) {
      throw new IllegalArgumentException(trainCsv + " is not an RSNA train.csv (header "
          + "StudyInstanceUID,patient_overall,C1,...,C7 expected)");
    }
    Map<String, int[]> labels = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(",");
      int[] truth = new int[8];
      for (int i = 0; i < 8; i++) {
        truth[i] = Integer.parseInt(parts[1 + i].trim());
      }
      labels.put(parts[0].trim(), truth);
    }
    return labels;
  }

  /** The latest score of each study, per pair of models ("classifier version / segmenter version"). */
  public static Map<String, Map<String, StudyScore>> latestByModel(List<StudyScore> scores) {
    Map<String, Map<String, StudyScore>> byModel = new TreeMap<>();
    for (StudyScore score : scores) {
      String model = score.getClassifier().getName() + " " + score.getClassifier().getVersion() + " / "
          + score.getSegmenter().getName() + " " + score.getSegmenter().getVersion();
      byModel.computeIfAbsent(model, m -> new LinkedHashMap<>()).merge(score.getStudyInstanceUid(), score,
          (a, b) -> b.getScoredAt().isAfter(a.getScoredAt()) ? b : a);
    }
    return byModel;
  }

  /** A score's probabilities in {@link RsnaMetric#LABELS} order: patient_overall, C1..C7. */
  public static double[] probabilities(StudyScore score) {
    return new double[] {score.getPatientOverall(), score.getC1(), score.getC2(), score.getC3(), score.getC4(),
        score.getC5(), score.getC6(), score.getC7()};
  }

  public static Evaluation of(String model, Map<String, StudyScore> scores, Map<String, int[]> labels) {
    List<RsnaMetric.Study> studies = new ArrayList<>();
    int unlabelled = 0;
    for (StudyScore score : scores.values()) {
      int[] truth = labels.get(score.getStudyInstanceUid());
      if (truth == null) {
        unlabelled++;
        continue;
      }
      studies.add(new RsnaMetric.Study(score.getStudyInstanceUid(), truth, probabilities(score)));
    }
    int missing = (int) labels.keySet().stream().filter(uid -> !scores.containsKey(uid)).count();
    Map<String, Double> auc = new LinkedHashMap<>();
    for (int label = 0; label < 8; label++) {
      auc.put(RsnaMetric.LABELS[label], RsnaMetric.auc(studies, label));
    }
    double positives = studies.stream().filter(s -> s.truth()[0] == 1).count();
    return new Evaluation(model, scores.size(), studies.size(), unlabelled, missing, RsnaMetric.logLoss(studies), auc,
        RsnaMetric.vertebraAuc(studies), studies.isEmpty() ? Double.NaN : positives / studies.size());
  }
}
