package io.spinestream.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.spinestream.events.StudyScore;
import java.time.Duration;

/**
 * The pipeline's end-to-end latency per study, from the StudyScores themselves: from the last slice the
 * producer received to the score ({@code spine_study_latency_seconds}, a summary with p50 and p95 over a
 * sliding two-minute window, plus count and sum), and from the first slice
 * ({@code spine_study_first_slice_latency_seconds}). The count of the first is the number of studies scored.
 * Recorded by whoever reads the scores: the dashboard; the classifier should record it as it emits them.
 */
public final class StudyLatency {
  private final Timer lastSlice;
  private final Timer firstSlice;

  public StudyLatency(MeterRegistry registry) {
    lastSlice = Timer.builder("spine.study.latency").publishPercentiles(0.5, 0.95)
        .distributionStatisticExpiry(Duration.ofMinutes(2)).distributionStatisticBufferLength(3)
        .description("per study: last slice received by the producer -> StudyScore").register(registry);
    firstSlice = Timer.builder("spine.study.first.slice.latency").publishPercentiles(0.5, 0.95)
        .distributionStatisticExpiry(Duration.ofMinutes(2)).distributionStatisticBufferLength(3)
        .description("per study: first slice received by the producer -> StudyScore").register(registry);
  }

  public void record(StudyScore score) {
    long scored = score.getScoredAt().toEpochMilli();
    lastSlice.record(Duration.ofMillis(Math.max(0, scored - score.getLastSliceReceivedAt().toEpochMilli())));
    firstSlice.record(Duration.ofMillis(Math.max(0, scored - score.getFirstSliceReceivedAt().toEpochMilli())));
  }
}
