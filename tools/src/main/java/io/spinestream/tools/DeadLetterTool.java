package io.spinestream.tools;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.events.DeadLetter;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code tools dead-letters}: what is on the dead-letter topic, and re-driving it once its cause is fixed.
 *
 * <pre>
 *   tools dead-letters [--dead-letters.stage=S] [--dead-letters.reason=CODE] [--dead-letters.key=UID]
 *                      [--dead-letters.show=20] [--dead-letters.redrive=true] [--dead-letters.inbox=DIR]
 * </pre>
 *
 * Reads every committed {@code DeadLetter} (to the end of the topic as of now), keeps those matching the
 * filters, prints their counts by stage and reason and the latest {@code show} of them. With
 * {@code redrive}: a letter holding a record's bytes puts them back on the topic they came from, under
 * their key, once per source record (a record every reader refused has a letter from each); a letter that
 * references a DICOM file copies the file into {@code inbox} (a producer's watched inbox: it is read again);
 * a letter with neither (a series that timed out) is listed with what to do: send the study again.
 */
public final class DeadLetterTool {
  static final Setting<String> STAGE = Setting.string("dead-letters.stage", null,
      "only letters of this stage (producer, segmenter, cropper, classifier)").optionalValue();
  static final Setting<String> REASON = Setting.string("dead-letters.reason", null,
      "only letters with this reason_code").optionalValue();
  static final Setting<String> KEY = Setting.string("dead-letters.key", null,
      "only letters with this key (StudyInstanceUID)").optionalValue();
  static final Setting<Integer> SHOW = Setting.integer("dead-letters.show", 20, "how many letters to print")
      .between(0, 1_000_000);
  static final Setting<Boolean> REDRIVE = Setting.bool("dead-letters.redrive", false,
      "re-drive the matching letters: record bytes back onto their topic, files into dead-letters.inbox");
  static final Setting<Path> INBOX = Setting.path("dead-letters.inbox", null,
      "a producer's inbox folder: referenced DICOM files are copied there when re-driving").optionalValue();
  static final List<Setting<?>> SETTINGS = List.of(STAGE, REASON, KEY, SHOW, REDRIVE, INBOX);

  /** What a re-drive did. */
  public record Redrive(int records, int files, int notRedrivable) {}

  private DeadLetterTool() {}

  /** Runs the command (the first argument is {@code dead-letters}); exit status 0, or 3 if nothing matched. */
  public static int run(String[] args, Map<String, String> environment, PrintStream out) throws Exception {
    List<Setting<?>> declared = new ArrayList<>(KafkaSettings.SETTINGS);
    declared.addAll(SETTINGS);
    Settings settings = Settings.load(declared, KafkaSettings.passThroughGroups(), environment, args);
    if (!settings.arguments().equals(List.of("dead-letters"))) {
      throw new ConfigException(List.of("usage: tools dead-letters [--dead-letters.stage=S] "
          + "[--dead-letters.reason=CODE] [--dead-letters.key=UID] [--dead-letters.show=N] "
          + "[--dead-letters.redrive=true] [--dead-letters.inbox=DIR]"));
    }
    KafkaSettings kafka = new KafkaSettings(settings);
    List<DeadLetter> letters = read(kafka).stream()
        .filter(l -> settings.get(STAGE) == null || settings.get(STAGE).equals(l.getStage()))
        .filter(l -> settings.get(REASON) == null || settings.get(REASON).equals(l.getReasonCode()))
        .filter(l -> settings.get(KEY) == null || settings.get(KEY).equals(l.getKey()))
        .toList();
    Map<String, Integer> counts = new TreeMap<>();
    letters.forEach(l -> counts.merge(l.getStage() + " " + l.getReasonCode(), 1, Integer::sum));
    out.printf("%d dead letter(s) match%n", letters.size());
    counts.forEach((what, n) -> out.printf("  %-44s %d%n", what, n));
    int show = settings.get(SHOW);
    for (DeadLetter l : letters.subList(Math.max(0, letters.size() - show), letters.size())) {
      out.printf("%s  %s %s  key=%s  source=%s%n    %s%n", l.getOccurredAt(), l.getStage(), l.getReasonCode(), l.getKey(),
          l.getPayloadReference() != null ? l.getPayloadReference() : l.getSource(), l.getReason());
    }
    if (settings.get(REDRIVE)) {
      Redrive done = redrive(kafka, letters, settings.get(INBOX), out);
      out.printf("re-drove %d record(s) and %d file(s); %d letter(s) cannot be re-driven from the letter%n",
          done.records(), done.files(), done.notRedrivable());
    }
    return letters.isEmpty() ? 3 : 0;
  }

  /** Every committed dead letter from the beginning to the end offsets as of now. */
  static List<DeadLetter> read(KafkaSettings kafka) {
    String topic = kafka.topic(Topics.DEAD_LETTERS).name();
    Properties props = kafka.clientProperties();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new AvroDeserializer<>(DeadLetter.class, kafka.registryClient()))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<DeadLetter> letters = new ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> letters.add(r.value()));
      }
      letters.sort(java.util.Comparator.comparing(DeadLetter::getOccurredAt));
      return letters;
    }
  }

  static Redrive redrive(KafkaSettings kafka, List<DeadLetter> letters, Path inbox, PrintStream out)
      throws Exception {
    // A record refused by several readers has a letter from each: it goes back once.
    Map<String, DeadLetter> records = new LinkedHashMap<>();
    Set<Path> files = new LinkedHashSet<>();
    int notRedrivable = 0;
    for (DeadLetter letter : letters) {
      if (letter.getSourceTopic() != null && letter.getPayload() != null) {
        records.putIfAbsent(letter.getSourceTopic() + "-" + letter.getSourcePartition() + "@" + letter.getSourceOffset(),
            letter);
      } else if (letter.getSourceTopic() == null && letter.getPayloadReference() != null) {
        files.add(Path.of(letter.getPayloadReference()));
      } else {
        notRedrivable++;
        out.printf("not re-drivable from the letter (%s %s, key %s): %s%n", letter.getStage(), letter.getReasonCode(),
            letter.getKey(), letter.getSourceTopic() == null
                ? "send the study again (every stage freed its state and will take it as new)"
                : "the record was larger than the letter keeps: read it at " + letter.getPayloadReference());
      }
    }
    if (!records.isEmpty()) {
      Properties props = kafka.producerProperties("spine-tools-redrive", 5 * 1024 * 1024);
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
          new ByteArraySerializer())) {
        for (DeadLetter letter : records.values()) {
          ByteBuffer payload = letter.getPayload().duplicate();
          byte[] bytes = new byte[payload.remaining()];
          payload.get(bytes);
          producer.send(new ProducerRecord<>(letter.getSourceTopic(), letter.getKey(), bytes)).get(60, TimeUnit.SECONDS);
        }
      }
    }
    int copied = 0;
    if (!files.isEmpty()) {
      if (inbox == null) {
        out.printf("%d file(s) to re-drive: give --dead-letters.inbox=DIR (a producer's inbox) or send them again%n",
            files.size());
        files.forEach(f -> out.println("  " + f));
      } else {
        for (Path file : files) {
          copied += copyInto(file, inbox, out) ? 1 : 0;
        }
      }
    }
    return new Redrive(records.size(), copied, notRedrivable);
  }

  /** Copied under a hidden name, then renamed: the inbox never reads it half written. */
  private static boolean copyInto(Path file, Path inbox, PrintStream out) throws IOException {
    if (!Files.isRegularFile(file)) {
      out.println("cannot re-drive " + file + ": no longer there");
      return false;
    }
    Files.createDirectories(inbox);
    String name = "redriven-" + System.currentTimeMillis() + "-" + file.getFileName();
    Path hidden = inbox.resolve("." + name);
    Files.copy(file, hidden, StandardCopyOption.REPLACE_EXISTING);
    Files.move(hidden, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    return true;
  }
}
