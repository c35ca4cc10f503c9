package io.spinestream.tools;

import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code tools watch}: follows a set of studies through the pipeline's topics, prints a progress line every
 * few seconds, and once every study has its StudyScore prints the result table and the RSNA metric.
 *
 * <p>Only records written after the watch started count: it reads every topic from the end offsets it finds
 * at start (committed records only, so the last stable offsets), and only records keyed by a watched
 * StudyInstanceUID. Start it before the studies are sent, and neither old scores of the same studies nor
 * other traffic on the topics can make it finish early. Because the services recognise a study they have
 * already processed and do not score it again, {@code watch.require.unseen} refuses studies whose series
 * is already on the series topic: they would never be scored, and the watch would only time out.
 */
final class PipelineWatch {
  /** Exit status when every study was scored exactly once. */
  static final int DONE = 0;
  /** Exit status when the timeout passed first. */
  static final int TIMED_OUT = 3;
  /** Exit status when a study was already streamed before (with {@code require.unseen}). */
  static final int ALREADY_STREAMED = 4;
  /** Exit status when a study was scored more than once. */
  static final int SCORED_TWICE = 5;

  /**
   * @param studies StudyInstanceUIDs to wait for, in display order
   * @param labels truth by StudyInstanceUID; may be empty (no truth rows, no metric)
   * @param readyFile written once the start offsets are taken: the moment to start sending; may be null
   */
  record Options(List<String> studies, Map<String, int[]> labels, Duration timeout, Duration interval,
      Path readyFile, boolean requireUnseen) {}

  private final KafkaSettings kafka;
  private final Options options;
  private final PrintStream out;
  private final String seriesTopic;
  private final String slicesTopic;
  private final String masksTopic;
  private final String cropsTopic;
  private final String scoresTopic;
  private final String deadLettersTopic;
  private final StudyProgress progress;
  private final AvroDeserializer<SeriesManifest> manifests;
  private final AvroDeserializer<SliceMask> masks;
  private final AvroDeserializer<VertebraCrop> crops;
  private final AvroDeserializer<StudyScore> scores;
  private final AvroDeserializer<DeadLetter> deadLetters;

  PipelineWatch(KafkaSettings kafka, Options options, PrintStream out) {
    this.kafka = kafka;
    this.options = options;
    this.out = out;
    seriesTopic = kafka.sourceTopic(Topics.SERIES).name();
    slicesTopic = kafka.sourceTopic(Topics.SLICES).name();
    masksTopic = kafka.topic(Topics.MASKS).name();
    cropsTopic = kafka.topic(Topics.CROPS).name();
    scoresTopic = kafka.topic(Topics.SCORES).name();
    deadLettersTopic = kafka.topic(Topics.DEAD_LETTERS).name();
    progress = new StudyProgress(options.studies());
    SchemaRegistryClient registry = kafka.registryClient();
    manifests = new AvroDeserializer<>(SeriesManifest.class, registry);
    masks = new AvroDeserializer<>(SliceMask.class, registry);
    crops = new AvroDeserializer<>(VertebraCrop.class, registry);
    scores = new AvroDeserializer<>(StudyScore.class, registry);
    deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
  }

  int run() throws IOException {
    long started = System.nanoTime();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(seriesTopic, slicesTopic, masksTopic, cropsTopic, scoresTopic, deadLettersTopic)) {
        partitions.addAll(partitions(consumer, topic));
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> start = consumer.endOffsets(partitions);
      if (options.requireUnseen()) {
        Set<String> seen = alreadyStreamed(consumer, start);
        if (!seen.isEmpty()) {
          out.printf("watch: %d of the %d studies were already streamed (their series are on %s): %s. The services "
              + "score a study once, so they would not be scored again.%n", seen.size(), options.studies().size(),
              seriesTopic, String.join(", ", seen));
          return ALREADY_STREAMED;
        }
      }
      start.forEach(consumer::seek);
      if (options.readyFile() != null) {
        Files.writeString(options.readyFile(), "positions " + start + "\n");
      }
      out.printf("watch: waiting for %d stud%s to be scored (timeout %d s)%n", options.studies().size(),
          options.studies().size() == 1 ? "y" : "ies", options.timeout().toSeconds());
      out.flush();
      long nextLine = System.nanoTime() + options.interval().toNanos();
      long deadline = started + options.timeout().toNanos();
      while (!progress.complete()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        long now = System.nanoTime();
        if (now >= nextLine || progress.complete()) {
          out.println("watch: " + progress.line(Duration.ofNanos(now - started)));
          out.flush();
          nextLine = now + options.interval().toNanos();
        }
        if (!progress.complete() && now >= deadline) {
          out.printf("watch: timed out after %d s; not scored: %s%n", options.timeout().toSeconds(),
              String.join(", ", progress.unscored()));
          out.println();
          out.print(table());
          return TIMED_OUT;
        }
      }
    }
    out.println();
    out.print(table());
    List<String> twice = progress.scoredMoreThanOnce();
    if (!twice.isEmpty()) {
      out.printf("watch: more than one StudyScore for %s (exactly one expected)%n", String.join(", ", twice));
      return SCORED_TWICE;
    }
    return DONE;
  }

  private String table() {
    Map<String, StudyScore> latest = new LinkedHashMap<>();
    progress.studies().forEach((uid, study) -> latest.put(uid, study.latestScore()));
    return ScoreTable.format(latest, options.labels());
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Properties props = kafka.clientProperties();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Slices are up to 4 MiB each.
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist; the services create their topics "
          + "when they start");
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  /** Watched studies that have a manifest on the series topic before {@code end}. */
  private Set<String> alreadyStreamed(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
    List<TopicPartition> series = end.keySet().stream().filter(p -> p.topic().equals(seriesTopic)).toList();
    consumer.seekToBeginning(series);
    end.keySet().stream().filter(p -> !p.topic().equals(seriesTopic)).forEach(p -> consumer.seek(p, end.get(p)));
    Set<String> seen = new TreeSet<>();
    while (series.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        if (record.topic().equals(seriesTopic) && record.offset() < end.get(new TopicPartition(record.topic(),
            record.partition())) && progress.watches(record.key())) {
          seen.add(record.key());
        }
      }
    }
    return seen;
  }

  void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null || !progress.watches(record.key())) {
      return;
    }
    String topic = record.topic();
    String uid = record.key();
    try {
      if (topic.equals(slicesTopic)) {
        // Only counted: decoding a slice would copy its pixels for nothing.
        progress.slice(uid);
      } else if (topic.equals(seriesTopic)) {
        progress.manifest(uid, manifests.deserialize(topic, record.value()).getSliceCount());
      } else if (topic.equals(masksTopic)) {
        progress.mask(uid, masks.deserialize(topic, record.value()).getSliceIndex());
      } else if (topic.equals(cropsTopic)) {
        progress.crop(uid, crops.deserialize(topic, record.value()).getVertebra().name());
      } else if (topic.equals(scoresTopic)) {
        progress.score(scores.deserialize(topic, record.value()));
      } else if (topic.equals(deadLettersTopic)) {
        DeadLetter letter = deadLetters.deserialize(topic, record.value());
        progress.deadLetter(uid);
        out.printf("watch: dead letter from %s for %s: %s %s%n", letter.getStage(), ScoreTable.shorten(uid),
            letter.getReasonCode(), letter.getReason());
      }
    } catch (RuntimeException e) {
      out.printf("watch: cannot read %s-%d@%d: %s%n", topic, record.partition(), record.offset(), e.getMessage());
    }
  }
}
