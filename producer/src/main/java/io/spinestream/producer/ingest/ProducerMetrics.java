package io.spinestream.producer.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The producer's counters, exported on /metrics with the {@code spine_producer_} prefix, and
 * {@code spine_records_in_total{source="dicom"}}: every DICOM object taken in (file, inbox or C-STORE), whatever
 * became of it, the producer's side of the records in and out every service reports.
 */
public final class ProducerMetrics {
  private final MeterRegistry registry;
  private final Timer decode;
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

  public ProducerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.decode = Timer.builder("spine.producer.decode").description("DICOM read and pixel decode per file")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Timer decode() {
    return decode;
  }

  public void file(FileOutcome outcome) {
    count("spine.producer.files", "outcome", outcome.name().toLowerCase());
    count("spine.records.in", "source", "dicom");
  }

  public void deadLetter(String reasonCode) {
    count("spine.producer.dead.letters", "reason", reasonCode);
  }

  /** A DICOM association refused or aborted by the receiver's gate (AE title, limits). */
  public void associationRefused(String reason) {
    count("spine.producer.associations.refused", "reason", reason);
  }

  public void skipped(String reason) {
    count("spine.producer.skipped", "reason", reason);
  }

  public void manifest(String completion) {
    count("spine.producer.manifests", "completion", completion);
  }

  public void slicesSent() {
    count("spine.producer.slices.sent", null, null);
  }

  public void sendFailure() {
    count("spine.producer.send.failures", null, null);
  }

  /** Current value of a counter, for summaries and tests; 0 if it never counted. */
  public double total(String name, String tagKey, String tagValue) {
    Counter counter = registry.find(name).tags(tagKey == null ? new String[0] : new String[] {tagKey, tagValue}).counter();
    return counter == null ? 0 : counter.count();
  }

  private void count(String name, String tagKey, String tagValue) {
    // Micrometer finds a meter by name and tags; the map only saves the lookup on the hot path.
    String id = name + "|" + tagKey + "|" + tagValue;
    counters.computeIfAbsent(id, k -> tagKey == null
        ? Counter.builder(name).register(registry)
        : Counter.builder(name).tag(tagKey, tagValue).register(registry)).increment();
  }
}
