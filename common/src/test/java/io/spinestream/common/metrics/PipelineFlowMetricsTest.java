package io.spinestream.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The flow meters are sums over the Kafka client meters as Micrometer's Kafka binders name them (per client,
 * task and partition), without internal topics and Kafka's deprecated underscore copies of dotted names.
 */
class PipelineFlowMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private static AtomicLong kafkaCounter(MeterRegistry registry, String name, String topic, String client, long value) {
    AtomicLong count = new AtomicLong(value);
    FunctionCounter.builder(name, count, AtomicLong::get).tag("client.id", client).tag("topic", topic)
        .register(registry);
    return count;
  }

  private static void kafkaGauge(MeterRegistry registry, String name, String topic, String partition, double value) {
    Gauge.builder(name, () -> value).tag("client.id", "c").tag("topic", topic).tag("partition", partition)
        .register(registry);
  }

  @Test
  void shouldSumRecordsPerTopicOverClientsAndLeaveOutInternalTopicsAndUnderscoreCopies() {
    PipelineFlowMetrics flow = new PipelineFlowMetrics(registry);
    AtomicLong slices = kafkaCounter(registry, PipelineFlowMetrics.CONSUMED, "p.spine.slices", "thread-1", 100);
    kafkaCounter(registry, PipelineFlowMetrics.CONSUMED, "p.spine.slices", "thread-2", 20);
    kafkaCounter(registry, PipelineFlowMetrics.CONSUMED, "p_spine_slices", "thread-1", 100);
    kafkaCounter(registry, PipelineFlowMetrics.CONSUMED, "app-store-changelog", "restore", 7);
    kafkaCounter(registry, PipelineFlowMetrics.SENT, "p.spine.masks", "thread-1", 118);
    kafkaCounter(registry, PipelineFlowMetrics.SENT, "p.spine.dead-letters", "thread-1", 2);
    kafkaCounter(registry, PipelineFlowMetrics.SENT, "app-store-changelog", "thread-1", 300);

    flow.refresh();
    slices.addAndGet(5);

    assertThat(registry.get("spine.records.in").tag("topic", "p.spine.slices").functionCounter().count())
        .isEqualTo(125.0);
    assertThat(registry.find("spine.records.in").tag("topic", "p_spine_slices").meters()).isEmpty();
    assertThat(registry.find("spine.records.in").tag("topic", "app-store-changelog").meters()).isEmpty();
    assertThat(registry.get("spine.records.out").tag("topic", "p.spine.masks").functionCounter().count())
        .isEqualTo(118.0);
    assertThat(registry.find("spine.records.out").tag("topic", "app-store-changelog").meters()).isEmpty();
    assertThat(registry.get("spine.dead.letters").functionCounter().count()).isEqualTo(2.0);
    assertThat(registry.scrape()).contains("spine_records_in_total{topic=\"p.spine.slices\"} 125.0")
        .contains("spine_dead_letters_total 2.0");
  }

  @Test
  void shouldSumLagOverPartitionsSkippingUnknownValues() {
    PipelineFlowMetrics flow = new PipelineFlowMetrics(registry);
    kafkaGauge(registry, PipelineFlowMetrics.LAG, "p.spine.slices", "0", 30);
    kafkaGauge(registry, PipelineFlowMetrics.LAG, "p.spine.slices", "1", 12);
    kafkaGauge(registry, PipelineFlowMetrics.LAG, "p.spine.slices", "2", Double.NaN);

    flow.refresh();

    assertThat(registry.get("spine.consumer.lag").tag("topic", "p.spine.slices").gauge().value()).isEqualTo(42.0);
  }

  @Test
  void shouldBindTopicsThatAppearAfterTheFirstScrape() {
    PipelineFlowMetrics flow = new PipelineFlowMetrics(registry);
    flow.refresh();
    assertThat(registry.find("spine.records.out").meters()).isEmpty();
    assertThat(registry.get("spine.dead.letters").functionCounter().count()).isZero();

    kafkaCounter(registry, PipelineFlowMetrics.SENT, "p.spine.scores", "thread-1", 3);
    flow.refresh();
    flow.refresh();

    assertThat(registry.get("spine.records.out").tag("topic", "p.spine.scores").functionCounters()).hasSize(1);
    assertThat(registry.get("spine.records.out").tag("topic", "p.spine.scores").functionCounter().count())
        .isEqualTo(3.0);
  }

  @Test
  void shouldReportTheOldestRecordLatencyInSeconds() {
    PipelineFlowMetrics flow = new PipelineFlowMetrics(registry);
    Gauge.builder(PipelineFlowMetrics.E2E_MAX, () -> 1500.0).tag("processor.node.id", "slices").tag("task.id", "0_0")
        .register(registry);
    Gauge.builder(PipelineFlowMetrics.E2E_MAX, () -> Double.NaN).tag("processor.node.id", "slices").tag("task.id", "0_1")
        .register(registry);
    Gauge.builder(PipelineFlowMetrics.E2E_MAX, () -> 250.0).tag("processor.node.id", "series").tag("task.id", "0_0")
        .register(registry);

    flow.refresh();

    assertThat(registry.get("spine.record.e2e.latency.max").gauge().value()).isEqualTo(1.5);
  }

  @Test
  void shouldReportThisProcesssResidentMemory() {
    new ProcessMemoryMetrics().bindTo(registry);

    double rss = registry.get("process.resident.memory").gauge().value();
    double peak = registry.get("process.resident.memory.peak").gauge().value();

    // A JVM is never below 10 MiB resident, and the peak is at least the current size.
    assertThat(rss).isGreaterThan(10 * 1024 * 1024);
    assertThat(peak).isGreaterThanOrEqualTo(rss);
    assertThat(registry.scrape()).contains("process_resident_memory_bytes ");
  }
}
