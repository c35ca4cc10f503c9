package io.spinestream.producer.ingest;

import java.util.EnumMap;
import java.util.Map;

/** What a one-shot ingestion did, file by file, and how many series manifests it delivered. */
public record IngestSummary(Map<FileOutcome, Integer> files, int manifests, int incompleteSeries) {

  public int count(FileOutcome outcome) {
    return files.getOrDefault(outcome, 0);
  }

  public int totalFiles() {
    return files.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** True when everything that could be ingested is in Kafka: no failed deliveries, no series left open. */
  public boolean complete() {
    return count(FileOutcome.FAILED) == 0 && incompleteSeries == 0;
  }

  static IngestSummary of(Map<FileOutcome, Integer> files, int manifests, int incomplete) {
    return new IngestSummary(new EnumMap<>(files), manifests, incomplete);
  }

  @Override
  public String toString() {
    return String.format("%d files: %d slices sent, %d duplicates, %d skipped, %d dead-lettered, %d failed; "
            + "%d series manifests sent, %d series incomplete",
        totalFiles(), count(FileOutcome.SENT), count(FileOutcome.DUPLICATE), count(FileOutcome.SKIPPED),
        count(FileOutcome.DEAD_LETTERED), count(FileOutcome.FAILED), manifests, incompleteSeries);
  }
}
