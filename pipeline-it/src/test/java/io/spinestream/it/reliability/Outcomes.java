package io.spinestream.it.reliability;

import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.StudyScore;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a downstream consumer sees: every committed {@code StudyScore}, {@code DeadLetter} and
 * {@code SeriesManifest} of the run,
 * read by a background consumer (read_committed, from the start) that rides out broker restarts. Values
 * are kept as bytes and decoded on demand, so a registry outage never loses a record here; scores are
 * counted by key, which is the StudyInstanceUID.
 */
final class Outcomes implements AutoCloseable {
  record Raw(String topic, int partition, long offset, String key, byte[] value) {}

  private final String scoresTopic;
  private final String deadLettersTopic;
  private final String seriesTopic;
  private final List<Raw> scores = new ArrayList<>();
  private final List<Raw> deadLetters = new ArrayList<>();
  private final List<Raw> manifests = new ArrayList<>();
  private final Thread reader;
  private volatile boolean running = true;

  /** Reads the pipeline's scores, dead letters and series manifests. */
  Outcomes(LivePipeline pipeline) {
    this(pipeline.topic(Topics.SCORES.name()), pipeline.topic(Topics.DEAD_LETTERS.name()),
        pipeline.topic(Topics.SERIES.name()));
  }

  Outcomes(String scoresTopic, String deadLettersTopic, String seriesTopic) {
    this.scoresTopic = scoresTopic;
    this.deadLettersTopic = deadLettersTopic;
    this.seriesTopic = seriesTopic;
    this.reader = new Thread(this::read, "outcomes-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (KafkaConsumer<String, byte[]> consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(scoresTopic, deadLettersTopic, seriesTopic)) {
        consumer.partitionsFor(topic, Duration.ofSeconds(60))
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (running) {
        try {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            Raw raw = new Raw(record.topic(), record.partition(), record.offset(), record.key(), record.value());
            synchronized (this) {
              if (record.topic().equals(scoresTopic)) {
                scores.add(raw);
              } else if (record.topic().equals(deadLettersTopic)) {
                deadLetters.add(raw);
              } else {
                manifests.add(raw);
              }
            }
          }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
          return;
        } catch (RuntimeException e) {
          // Broker restarting: the consumer reconnects and resumes from its position.
          sleep();
        }
      }
    }
  }

  private static void sleep() {
    try {
      TimeUnit.SECONDS.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** StudyScores per StudyInstanceUID (record key) seen so far. */
  synchronized Map<String, Integer> scoresPerStudy() {
    Map<String, Integer> counts = new HashMap<>();
    scores.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
    return counts;
  }

  synchronized int scoreCount() {
    return scores.size();
  }

  synchronized int deadLetterCount() {
    return deadLetters.size();
  }

  /** Waits until every study in {@code studies} has at least one score; false when it times out. */
  boolean awaitScored(Collection<String> studies, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Integer> scored = scoresPerStudy();
      if (studies.stream().allMatch(scored::containsKey)) {
        return true;
      }
      TimeUnit.SECONDS.sleep(1);
    }
    return false;
  }

  synchronized List<StudyScore> scores() {
    AvroDeserializer<StudyScore> deserializer = new AvroDeserializer<>(StudyScore.class, ItStack.registry());
    return scores.stream().map(r -> deserializer.deserialize(r.topic(), r.value())).toList();
  }

  synchronized List<DeadLetter> deadLetters() {
    AvroDeserializer<DeadLetter> deserializer = new AvroDeserializer<>(DeadLetter.class, ItStack.registry());
    return deadLetters.stream().map(r -> deserializer.deserialize(r.topic(), r.value())).toList();
  }

  /**
   * Slice count of the first manifest per study (in topic order: a study's manifests share a partition):
   * the one the stages act on. A later, cumulative manifest of a series already processed is ignored.
   */
  synchronized Map<String, Integer> firstManifestSliceCounts() {
    AvroDeserializer<SeriesManifest> deserializer = new AvroDeserializer<>(SeriesManifest.class, ItStack.registry());
    Map<String, Integer> first = new HashMap<>();
    for (Raw raw : manifests) {
      try {
        SeriesManifest manifest = deserializer.deserialize(raw.topic(), raw.value());
        first.putIfAbsent(manifest.getStudyInstanceUid(), manifest.getSliceCount());
      } catch (RuntimeException e) {
        // Poison a test wrote on purpose.
      }
    }
    return first;
  }

  /** "stage/REASON" -> count, sorted. */
  Map<String, Integer> deadLettersByReason() {
    Map<String, Integer> counts = new TreeMap<>();
    deadLetters().forEach(l -> counts.merge(l.getStage() + "/" + l.getReasonCode(), 1, Integer::sum));
    return counts;
  }

  /** Studies (by dead letter key) that were dead-lettered. */
  Set<String> deadLetteredStudies() {
    Set<String> keys = new java.util.TreeSet<>();
    deadLetters().forEach(l -> {
      if (l.getKey() != null) {
        keys.add(l.getKey());
      }
    });
    return keys;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }
}
