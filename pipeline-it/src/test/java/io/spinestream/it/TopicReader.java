package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads committed records of a topic from the start, as a downstream consumer would. */
final class TopicReader {
  private TopicReader() {}

  /**
   * Reads until {@code expected} records came (failing after {@code timeout}), then {@code quiet} more, so
   * that duplicates would be seen.
   */
  static <V extends SpecificRecord> List<V> read(String topic, Class<V> type, int expected, Duration timeout,
      Duration quiet) {
    try (KafkaConsumer<String, V> consumer = ItStack.consumer(new StringDeserializer(),
        new AvroDeserializer<>(type, ItStack.registry()))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<V> values = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      long stopAt = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, stopAt)) {
        consumer.poll(Duration.ofMillis(250)).forEach(r -> values.add(r.value()));
        if (values.size() >= expected && stopAt == Long.MAX_VALUE) {
          stopAt = System.nanoTime() + quiet.toNanos();
        }
      }
      assertThat(values).as("records on %s within %d s", topic, timeout.toSeconds()).hasSizeGreaterThanOrEqualTo(expected);
      return values;
    }
  }

  /** How many committed records the topic holds now (from the beginning to its end offsets). */
  static long count(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = ItStack.consumer(new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long count = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
        count += consumer.poll(Duration.ofMillis(250)).count();
      }
      return count;
    }
  }

  /** Waits until the topic holds at least one committed record. */
  static void awaitAny(String topic, Class<? extends SpecificRecord> type, Duration timeout) {
    read(topic, type, 1, timeout, Duration.ZERO);
  }

  static long secondsSince(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanos);
  }
}
