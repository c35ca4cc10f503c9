package io.spinestream.tools;

import io.spinestream.events.ModelRef;
import io.spinestream.events.StudyScore;
import java.time.Instant;
import java.util.List;

/** StudyScores for tests. */
final class Scores {
  static final Instant T0 = Instant.parse("2026-11-26T22:00:00Z");
  static final ModelRef SEGMENTER = new ModelRef("seg-test", "1.0.0", "ab".repeat(32));
  static final ModelRef CLASSIFIER = new ModelRef("cls-test", "2.0.0", "cd".repeat(32));

  private Scores() {}

  /** Every label (patient_overall, C1..C7) at {@code p}, scored 10 s after the last slice. */
  static StudyScore score(String uid, double p) {
    return score(uid, p, T0.plusSeconds(10));
  }

  static StudyScore score(String uid, double p, Instant scoredAt) {
    return score(uid, new double[] {p, p, p, p, p, p, p, p}, T0, scoredAt);
  }

  /** {@code p} in RSNA order: patient_overall, C1..C7. */
  static StudyScore score(String uid, double[] p, Instant lastSlice, Instant scoredAt) {
    return StudyScore.newBuilder()
        .setStudyInstanceUid(uid)
        .setSeriesInstanceUid(uid + ".1")
        .setPatientOverall(p[0])
        .setC1(p[1])
        .setC2(p[2])
        .setC3(p[3])
        .setC4(p[4])
        .setC5(p[5])
        .setC6(p[6])
        .setC7(p[7])
        .setFallbackVertebrae(List.of())
        .setAggregation("max")
        .setSegmenter(SEGMENTER)
        .setClassifier(CLASSIFIER)
        .setFirstSliceReceivedAt(lastSlice.minusSeconds(2))
        .setLastSliceReceivedAt(lastSlice)
        .setScoredAt(scoredAt)
        .build();
  }
}
