package io.spinestream.common.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.spinestream.schemas.Topics;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pipeline's flow under the same names in every service, derived from the Kafka client metrics that are
 * already in the service's registry (Micrometer's {@code KafkaStreamsMetrics} / {@code KafkaClientMetrics}),
 * so that one dashboard query works for all of them:
 *
 * <ul>
 *   <li>{@code spine_records_in_total{topic}}: records read from each input topic;
 *   <li>{@code spine_records_out_total{topic}}: records sent to each output topic (dead letters included;
 *       under exactly-once, records of an aborted transaction are counted too);
 *   <li>{@code spine_dead_letters_total}: records sent to the dead-letter topic;
 *   <li>{@code spine_consumer_lag_records{topic}}: records behind the end of each input topic, summed over
 *       the partitions this instance owns (the consumer's own view, updated on every fetch);
 *   <li>{@code spine_record_e2e_latency_max_seconds}: the oldest record this service finished processing
 *       in Kafka Streams' recent window, measured from the record's timestamp (when it was produced
 *       upstream) to the end of its processing here.
 * </ul>
 *
 * Kafka's per-topic metrics appear only once a client has touched a topic, and Micrometer binds new Kafka
 * metrics on a 60-second schedule, so {@link #refresh()} (called before every scrape) registers the meters
 * of topics seen since the last call. Internal topics (changelogs, repartition topics) and the deprecated
 * underscore copies Kafka emits for topic names with periods are left out.
 */
public final class PipelineFlowMetrics {
  static final String CONSUMED = "kafka.consumer.fetch.manager.records.consumed.total";
  static final String SENT = "kafka.producer.topic.record.send.total";
  static final String LAG = "kafka.consumer.fetch.manager.records.lag";
  static final String E2E_MAX = "kafka.stream.processor.node.record.e2e.latency.max";

  private final MeterRegistry registry;
  private final Set<String> bound = ConcurrentHashMap.newKeySet();

  public PipelineFlowMetrics(MeterRegistry registry) {
    this.registry = registry;
    FunctionCounter.builder("spine.dead.letters", this, f -> f.deadLetters())
        .description("records sent to the dead-letter topic").register(registry);
  }

  /** Registers the meters of topics (and Kafka Streams nodes) that appeared since the last call. */
  public synchronized void refresh() {
    for (String topic : topics(CONSUMED)) {
      if (bound.add("in " + topic)) {
        FunctionCounter.builder("spine.records.in", this, f -> f.sum(CONSUMED, topic)).tag("topic", topic)
            .description("records read from the topic").register(registry);
      }
    }
    for (String topic : topics(SENT)) {
      if (bound.add("out " + topic)) {
        FunctionCounter.builder("spine.records.out", this, f -> f.sum(SENT, topic)).tag("topic", topic)
            .description("records sent to the topic").register(registry);
      }
    }
    for (String topic : topics(LAG)) {
      if (bound.add("lag " + topic)) {
        Gauge.builder("spine.consumer.lag", this, f -> f.sum(LAG, topic)).tag("topic", topic).baseUnit("records")
            .description("records behind the end of the topic, over the partitions this instance owns")
            .register(registry);
      }
    }
    if (!registry.find(E2E_MAX).meters().isEmpty() && bound.add("e2e")) {
      Gauge.builder("spine.record.e2e.latency.max", this, PipelineFlowMetrics::e2eMaxSeconds).baseUnit("seconds")
          .description("oldest record finished in Kafka Streams' recent window: its timestamp to processed here")
          .register(registry);
    }
  }

  /** Topics named by the {@code topic} tag of a Kafka meter, without internal topics and underscore copies. */
  Set<String> topics(String meterName) {
    Set<String> all = new TreeSet<>();
    for (Meter meter : registry.find(meterName).meters()) {
      String topic = meter.getId().getTag("topic");
      if (topic != null) {
        all.add(topic);
      }
    }
    Set<String> kept = new TreeSet<>();
    for (String topic : all) {
      boolean internal = topic.endsWith("-changelog") || topic.endsWith("-repartition") || topic.startsWith("__");
      boolean underscoreCopy = all.stream().anyMatch(other -> !other.equals(topic) && other.contains(".")
          && other.replace('.', '_').equals(topic));
      if (!internal && !underscoreCopy) {
        kept.add(topic);
      }
    }
    return kept;
  }

  /** The sum over every meter of that name and topic (clients, partitions, tasks); NaN values skipped. */
  double sum(String meterName, String topic) {
    return sum(registry.find(meterName).tag("topic", topic).meters());
  }

  double deadLetters() {
    double total = 0;
    for (String topic : topics(SENT)) {
      if (topic.endsWith(Topics.DEAD_LETTERS.name())) {
        total += sum(SENT, topic);
      }
    }
    return total;
  }

  double e2eMaxSeconds() {
    double max = Double.NaN;
    for (Meter meter : registry.find(E2E_MAX).meters()) {
      double value = value(meter);
      if (!Double.isNaN(value) && (Double.isNaN(max) || value > max)) {
        max = value;
      }
    }
    return Double.isNaN(max) ? max : max / 1000.0;
  }

  private static double sum(Collection<Meter> meters) {
    double total = 0;
    for (Meter meter : meters) {
      double value = value(meter);
      if (!Double.isNaN(value) && !Double.isInfinite(value)) {
        total += value;
      }
    }
    return total;
  }

  private static double value(Meter meter) {
    Iterator<Measurement> measurements = meter.measure().iterator();
    return measurements.hasNext() ? measurements.next().getValue() : Double.NaN;
  }
}
