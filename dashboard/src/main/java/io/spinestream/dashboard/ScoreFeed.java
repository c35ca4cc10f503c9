package io.spinestream.dashboard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.spinestream.common.metrics.StudyLatency;
import io.spinestream.events.CtSlice;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads slices, crops and scores (committed records only) into the board, starting {@code history} back in
 * time so a restarted dashboard shows the recent studies again. A record it cannot decode was already
 * dead-lettered by the service that read it first; here it is counted and logged, and the view goes on.
 */
final class ScoreFeed implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final StudyBoard board;
  private final String slicesTopic;
  private final String cropsTopic;
  private final String scoresTopic;
  private final Duration history;
  private final AvroDeserializer<CtSlice> slices;
  private final AvroDeserializer<VertebraCrop> crops;
  private final AvroDeserializer<StudyScore> scores;
  private final Counter undecodable;
  private final StudyLatency latency;
  private final KafkaClientMetrics consumerMetrics;
  private volatile boolean running = true;

  ScoreFeed(Properties clientProperties, SchemaRegistry registry, StudyBoard board, String slicesTopic,
      String cropsTopic, String scoresTopic, Duration history, MeterRegistry metrics) {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.board = board;
    this.slicesTopic = slicesTopic;
    this.cropsTopic = cropsTopic;
    this.scoresTopic = scoresTopic;
    this.history = history;
    this.slices = new AvroDeserializer<>(CtSlice.class, registry);
    this.crops = new AvroDeserializer<>(VertebraCrop.class, registry);
    this.scores = new AvroDeserializer<>(StudyScore.class, registry);
    this.undecodable = Counter.builder("spine.dashboard.undecodable.records").register(metrics);
    this.latency = new StudyLatency(metrics);
    // Records read per topic and lag, under the names every service uses (PipelineFlowMetrics).
    this.consumerMetrics = new KafkaClientMetrics(consumer);
    consumerMetrics.bindTo(metrics);
  }

  @Override
  public void run() {
    try {
      List<TopicPartition> partitions = new java.util.ArrayList<>();
      for (String topic : List.of(slicesTopic, cropsTopic, scoresTopic)) {
        consumer.partitionsFor(topic, Duration.ofSeconds(60))
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      seekToHistory(partitions);
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          apply(record);
        }
      }
    } catch (WakeupException e) {
      // Closing.
    } catch (RuntimeException e) {
      LOG.error("dashboard feed stopped: {}", e.toString(), e);
    } finally {
      // The consumer is not thread-safe: only the thread that polls it closes it.
      consumerMetrics.close();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void seekToHistory(List<TopicPartition> partitions) {
    long since = System.currentTimeMillis() - history.toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(p -> query.put(p, since));
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query);
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp offset = offsets.get(partition);
      if (offset == null) {
        consumer.seekToEnd(List.of(partition));
      } else {
        consumer.seek(partition, offset.offset());
      }
    }
  }

  void apply(ConsumerRecord<String, byte[]> record) {
    long now = System.currentTimeMillis();
    try {
      if (record.value() == null) {
        return;
      }
      if (record.topic().equals(slicesTopic)) {
        board.add(slices.deserialize(record.topic(), record.value()), now);
      } else if (record.topic().equals(cropsTopic)) {
        board.add(crops.deserialize(record.topic(), record.value()), now);
      } else {
        StudyScore score = scores.deserialize(record.topic(), record.value());
        board.add(score, now);
        latency.record(score);
      }
    } catch (RuntimeException e) {
      undecodable.increment();
      LOG.warn("{}-{}@{} not shown: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
  }
}
