package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Shared mechanics of the producer's integration tests: encoders, references, reading topics back. */
final class ProducerItSupport {
  private ProducerItSupport() {}

  /** Settings flags that point the producer at the test stack and a private set of topics. */
  static String[] args(String prefix, String... more) {
    List<String> args = new ArrayList<>(List.of(
        "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS,
        "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix,
        "--topics.partitions=2",
        "--producer.decode.threads=2"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  static String prefix(String test) {
    return "it-" + ItStack.runId() + "-" + test + ".";
  }

  /** Runs a command (a Debian tool), failing the test with its output if it fails or is missing. */
  static String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("timed out: " + command);
      }
      if (process.exitValue() != 0) {
        fail("failed (exit " + process.exitValue() + "): " + String.join(" ", command) + "\n" + out
            + "\n(the tests need Debian's dcmtk, libgdcm-tools and python3-pydicom: ./spine setup installs them)");
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command.get(0) + " (install it with ./spine setup): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every file under {@code source}, re-encoded into {@code syntax} under {@code target}. */
  static List<Path> encode(Path source, TransferSyntax syntax, Path target) throws IOException {
    List<Path> written = new ArrayList<>();
    for (Path file : files(source)) {
      Path out = target.resolve(source.relativize(file));
      Files.createDirectories(out.getParent());
      run(syntax.encoder.stream().map(a -> a.equals("IN") ? file.toString() : a.equals("OUT") ? out.toString() : a)
          .toList());
      written.add(out);
    }
    return written;
  }

  static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /**
   * pydicom's Hounsfield units of every (uncompressed) slice of a series, by InstanceNumber, with the
   * SOP Instance UIDs. (Lossy re-encoding gives slices new SOP Instance UIDs, as the standard requires;
   * InstanceNumber survives.)
   */
  record Reference(Map<Integer, short[]> huByInstance, Map<Integer, String> sopByInstance) {
    int size() {
      return huByInstance.size();
    }
  }

  static Reference referenceHu(Path source, Path scratch) throws IOException {
    Path out = Files.createDirectories(scratch.resolve("reference-hu"));
    run(List.of("/usr/bin/python3", "src/test/python/reference_hu.py", source.toString(), out.toString()));
    Map<Integer, short[]> hu = new HashMap<>();
    Map<Integer, String> sop = new HashMap<>();
    for (String line : Files.readAllLines(out.resolve("index.csv"))) {
      String[] parts = line.split(",");
      int instance = Integer.parseInt(parts[0]);
      sop.put(instance, parts[1]);
      hu.put(instance, shorts(ByteBuffer.wrap(Files.readAllBytes(out.resolve(instance + ".raw")))));
    }
    return new Reference(hu, sop);
  }

  static short[] shorts(ByteBuffer littleEndian) {
    ByteBuffer buffer = littleEndian.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    short[] values = new short[buffer.remaining() / 2];
    buffer.asShortBuffer().get(values);
    return values;
  }

  static List<CtSlice> slices(String prefix, int expected) {
    return read(prefix + "spine.slices", CtSlice.class, expected);
  }

  static List<SeriesManifest> manifests(String prefix, int expected) {
    return read(prefix + "spine.series", SeriesManifest.class, expected);
  }

  static List<DeadLetter> deadLetters(String prefix, int expected) {
    return read(prefix + "spine.dead-letters", DeadLetter.class, expected);
  }

  /**
   * Reads a topic from the beginning until {@code expected} records arrived (failing after 60 s), then
   * keeps reading 1 s more so that extra records (duplicates) are seen too.
   */
  static <V extends SpecificRecord> List<V> read(String topic, Class<V> type, int expected) {
    try (KafkaConsumer<String, V> consumer = ItStack.consumer(new StringDeserializer(),
        new AvroDeserializer<>(type, ItStack.registry()))) {
      List<V> values = new ArrayList<>();
      readInto(consumer, topic, expected, values, ConsumerRecord::value);
      return values;
    }
  }

  /** Raw bytes of every record of the topic (for checks on the wire). */
  static List<byte[]> rawValues(String topic, int expected) {
    try (KafkaConsumer<String, byte[]> consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      List<byte[]> values = new ArrayList<>();
      readInto(consumer, topic, expected, values, ConsumerRecord::value);
      return values;
    }
  }

  /**
   * Every record of the topic as the bytes a consumer receives: key, value and each header's name and value, for
   * checks of what reaches the wire whatever field or header it might hide in.
   */
  static List<byte[]> rawRecords(String topic, int expected) {
    try (KafkaConsumer<byte[], byte[]> consumer = ItStack.consumer(new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<byte[]> records = new ArrayList<>();
      readInto(consumer, topic, expected, records, r -> {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(r.key() == null ? new byte[0] : r.key());
        all.writeBytes(r.value() == null ? new byte[0] : r.value());
        r.headers().forEach(h -> {
          all.writeBytes(h.key().getBytes(StandardCharsets.UTF_8));
          all.writeBytes(h.value() == null ? new byte[0] : h.value());
        });
        return all.toByteArray();
      });
      return records;
    }
  }

  /**
   * The patient identity the phantom writes into every file (PatientName PHANTOM^STUDY{@literal <n>}, PatientID
   * PH-{@literal <seed>-<n>}, PatientBirthDate 19700101), also as a display would format it.
   */
  static List<String> phantomIdentity(long seed, int study) {
    return List.of("PHANTOM^STUDY" + study, "PHANTOM^", "PH-" + seed + "-" + study, "19700101", "1970-01-01");
  }

  /**
   * No record on the producer's topics (slices, series, dead letters: keys, values, headers) contains any of the
   * strings, and there are at least the expected records on each, so the check looked at something.
   */
  static void assertNoneOnAnyTopic(String prefix, List<String> identity, int slices, int manifests, int deadLetters) {
    Map<String, Integer> expected = Map.of("spine.slices", slices, "spine.series", manifests,
        "spine.dead-letters", deadLetters);
    expected.forEach((topic, count) -> {
      List<byte[]> records = count == 0 ? List.of() : rawRecords(prefix + topic, count);
      for (byte[] record : records) {
        // ISO-8859-1 maps every byte to one char: a search over the raw bytes, whatever the encoding around them.
        String text = new String(record, StandardCharsets.ISO_8859_1);
        for (String forbidden : identity) {
          assertThat(text).as("a record on %s", topic).doesNotContain(forbidden);
        }
      }
    });
  }

  /** The source files do carry the identity: otherwise a check that it is absent downstream proves nothing. */
  static void assertFilesCarry(List<Path> files, List<String> identity) throws IOException {
    for (Path file : files) {
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(text).as("source file %s", file).contains(identity.get(0), identity.get(2), identity.get(3));
    }
  }

  private static <K, V, T> void readInto(KafkaConsumer<K, V> consumer, String topic, int expected, List<T> into,
      java.util.function.Function<ConsumerRecord<K, V>, T> map) {
    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long quietUntil = Long.MAX_VALUE;
    while (System.nanoTime() < Math.min(deadline, quietUntil)) {
      consumer.poll(Duration.ofMillis(200)).forEach(r -> into.add(map.apply(r)));
      if (into.size() >= expected && quietUntil == Long.MAX_VALUE) {
        quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      }
    }
    assertThat(into).as("records on %s", topic).hasSizeGreaterThanOrEqualTo(expected);
  }
}
