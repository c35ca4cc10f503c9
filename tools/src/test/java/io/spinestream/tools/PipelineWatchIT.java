package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.SourceKind;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroSerializer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools watch} against the real broker and registry ({@code ./spine test}, or {@code ./spine stack up}
 * for the defaults): each test writes the pipeline's events itself, on topics of its own (a fresh
 * {@code topics.prefix}), before and after the watch starts.
 */
class PipelineWatchIT {
  private static final String BOOTSTRAP = System.getProperty("spine.it.bootstrap.servers", "127.0.0.1:9092");
  private static final String REGISTRY = System.getProperty("spine.it.schema.registry.url",
      "http://127.0.0.1:8081/apis/ccompat/v7");
  private static final String A = "2.25.1001";
  private static final String B = "2.25.1002";
  private static final String OTHER = "2.25.1003";
  private static final double[] A_SCORES = {0.8, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1};
  private static final double[] B_SCORES = {0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2};

  @TempDir
  Path dir;

  @Test
  void shouldPrintTheTableOnceEveryStudyIsScoredCountingOnlyWhatCameAfterItStarted() throws Exception {
    String prefix = prefix();
    createTopics(prefix, 3);
    try (var events = new Events(prefix)) {
      // A previous run of the same studies: its scores (0.99) must not count, nor make the watch finish early.
      events.manifest(A, 3);
      events.score(A, new double[] {0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99});
      events.score(B, new double[] {0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99});
      events.flush();

      var watch = startWatch(prefix, List.of(A, B), Duration.ofSeconds(60), false);
      awaitReady();

      for (String uid : List.of(A, B, OTHER)) {
        events.study(uid, 3);
      }
      events.deadLetter(B, "segmenter", "INVALID_RECORD");
      events.score(OTHER, A_SCORES);
      events.score(A, A_SCORES);
      events.flush();
      events.score(B, B_SCORES);
      events.flush();

      Result result = watch.get(60, TimeUnit.SECONDS);
      assertThat(result.code()).as(result.output()).isEqualTo(PipelineWatch.DONE);
      assertThat(result.output())
          .contains("series 2/2  slices 6  masks 6/6  crops 14/14  scored 2/2  dead letters 1")
          .contains("dead letter from segmenter for 2.25.1002: INVALID_RECORD")
          .doesNotContain("0.99").doesNotContain(OTHER);
      List<String> lines = result.output().lines().toList();
      String rowA = lines.stream().filter(l -> l.startsWith(A + " ")).findFirst().orElseThrow();
      assertThat(rowA.split("\\s+")).startsWith(A, "score", "0.10", "0.80", "0.10", "0.10", "0.10", "0.10", "0.10",
          "0.80");
      double lossA = RsnaMetric.studyLoss(new RsnaMetric.Study(A, new int[] {1, 0, 1, 0, 0, 0, 0, 0}, A_SCORES));
      double lossB = RsnaMetric.studyLoss(new RsnaMetric.Study(B, new int[8], B_SCORES));
      assertThat(result.output()).contains(String.format(Locale.ROOT,
          "RSNA weighted log loss over 2 labelled studies: %.4f", (lossA + lossB) / 2));
    }
  }

  @Test
  void shouldTimeOutNamingTheStudiesWithoutAScore() throws Exception {
    String prefix = prefix();
    createTopics(prefix, 3);
    try (var events = new Events(prefix)) {
      var watch = startWatch(prefix, List.of(A, B), Duration.ofSeconds(4), false);
      awaitReady();
      events.study(A, 2);
      events.score(A, A_SCORES);
      events.flush();

      Result result = watch.get(60, TimeUnit.SECONDS);
      assertThat(result.code()).as(result.output()).isEqualTo(PipelineWatch.TIMED_OUT);
      assertThat(result.output()).contains("timed out after 4 s; not scored: " + B).contains("(no score)");
    }
  }

  @Test
  void shouldRefuseStudiesAlreadyStreamedWhenAskedTo() throws Exception {
    String prefix = prefix();
    createTopics(prefix, 3);
    try (var events = new Events(prefix)) {
      events.manifest(B, 5);
      events.flush();

      Result result = startWatch(prefix, List.of(A, B), Duration.ofSeconds(30), true).get(60, TimeUnit.SECONDS);
      assertThat(result.code()).as(result.output()).isEqualTo(PipelineWatch.ALREADY_STREAMED);
      assertThat(result.output()).contains("1 of the 2 studies were already streamed").contains(B)
          .doesNotContain(A);
      assertThat(dir.resolve("ready")).doesNotExist();
    }
  }

  @Test
  void shouldFailWhenAStudyIsScoredMoreThanOnce() throws Exception {
    String prefix = prefix();
    // One partition: the second score of B is read before A's, so it is seen before the watch completes.
    createTopics(prefix, 1);
    try (var events = new Events(prefix)) {
      var watch = startWatch(prefix, List.of(A, B), Duration.ofSeconds(60), false);
      awaitReady();
      events.score(B, B_SCORES);
      events.score(B, B_SCORES);
      events.score(A, A_SCORES);
      events.flush();

      Result result = watch.get(60, TimeUnit.SECONDS);
      assertThat(result.code()).as(result.output()).isEqualTo(PipelineWatch.SCORED_TWICE);
      assertThat(result.output()).contains("more than one StudyScore for " + B);
    }
  }

  record Result(int code, String output) {}

  private CompletableFuture<Result> startWatch(String prefix, List<String> studies, Duration timeout,
      boolean requireUnseen) throws Exception {
    Path labels = Files.writeString(dir.resolve("train.csv"), "StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7\n"
        + A + ",1,0,1,0,0,0,0,0\n" + B + ",0,0,0,0,0,0,0,0\n" + OTHER + ",1,1,1,1,1,1,1,1\n");
    var settings = ToolsMain.settings(Map.of(), "watch", "--kafka.bootstrap.servers=" + BOOTSTRAP,
        "--registry.url=" + REGISTRY, "--topics.prefix=" + prefix, "--watch.studies=" + String.join(",", studies),
        "--watch.labels=" + labels, "--watch.timeout.ms=" + timeout.toMillis(), "--watch.interval.ms=1000",
        "--watch.ready.file=" + dir.resolve("ready"), "--watch.require.unseen=" + requireUnseen);
    return CompletableFuture.supplyAsync(() -> {
      var bytes = new ByteArrayOutputStream();
      try (var out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
        int code = ToolsMain.watch(settings, out);
        return new Result(code, bytes.toString(StandardCharsets.UTF_8));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(dir.resolve("ready"))) {
      assertThat(System.nanoTime()).as("watch ready within 60 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static String prefix() {
    return "it-watch-" + UUID.randomUUID().toString().substring(0, 8) + ".";
  }

  private static void createTopics(String prefix, int partitions) {
    Properties admin = new Properties();
    admin.put("bootstrap.servers", BOOTSTRAP);
    List<Topic<?>> topics = new ArrayList<>();
    Topics.ALL.forEach(t -> topics.add(t.withName(prefix + t.name())));
    TopicAdmin.ensureTopics(admin, topics, partitions, (short) 1, true);
  }

  /** Writes the pipeline's events as the services would, with the project's serializer. */
  private static final class Events implements AutoCloseable {
    private final String prefix;
    private final KafkaProducer<String, Object> producer;
    private final Instant now = Instant.now();

    Events(String prefix) {
      this.prefix = prefix;
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 5 * 1024 * 1024);
      var kafka = new KafkaSettings(ToolsMain.settings(Map.of(), "--kafka.bootstrap.servers=" + BOOTSTRAP,
          "--registry.url=" + REGISTRY));
      producer = new KafkaProducer<>(props, new StringSerializer(), new AvroSerializer<>(kafka.registryClient()));
    }

    void send(Topic<?> topic, String key, SpecificRecord value) {
      producer.send(new ProducerRecord<>(prefix + topic.name(), key, value));
    }

    /** Slices, the manifest, a mask per slice and seven crops of one study. */
    void study(String uid, int slices) {
      IntStream.range(0, slices).forEach(i -> send(Topics.SLICES, uid, slice(uid, i)));
      manifest(uid, slices);
      IntStream.range(0, slices).forEach(i -> send(Topics.MASKS, uid, mask(uid, i, slices)));
      for (Vertebra vertebra : Vertebra.values()) {
        send(Topics.CROPS, uid, crop(uid, vertebra, slices));
      }
    }

    void manifest(String uid, int slices) {
      send(Topics.SERIES, uid, SeriesManifest.newBuilder()
          .setStudyInstanceUid(uid).setSeriesInstanceUid(uid + ".1").setSliceCount(slices)
          .setSopInstanceUids(IntStream.range(0, slices).mapToObj(i -> uid + ".1." + i).toList())
          .setZPositionsMm(IntStream.range(0, slices).mapToObj(i -> (double) i).toList())
          .setRows(2).setColumns(2).setCompletion(SeriesCompletion.INACTIVITY_TIMEOUT)
          .setSourceKind(SourceKind.DICOM_NETWORK).setFirstReceivedAt(now).setLastReceivedAt(now).setCompletedAt(now)
          .build());
    }

    void score(String uid, double[] p) {
      send(Topics.SCORES, uid, Scores.score(uid, p, now, now.plusSeconds(5)));
    }

    void deadLetter(String uid, String stage, String code) {
      send(Topics.DEAD_LETTERS, uid, DeadLetter.newBuilder().setStage(stage).setReasonCode(code)
          .setReason("test").setSource("test").setKey(uid).setPayloadSize(-1).setOccurredAt(now).build());
    }

    private CtSlice slice(String uid, int index) {
      return CtSlice.newBuilder().setStudyInstanceUid(uid).setSeriesInstanceUid(uid + ".1")
          .setSopInstanceUid(uid + ".1." + index).setSopClassUid("1.2.840.10008.5.1.4.1.1.2").setZPositionMm(index)
          .setImagePositionPatient(List.of(0.0, 0.0, (double) index))
          .setImageOrientationPatient(List.of(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)).setRows(2).setColumns(2)
          .setRowSpacingMm(1).setColumnSpacingMm(1).setPixels(ByteBuffer.wrap(new byte[8]))
          .setTransferSyntaxUid("1.2.840.10008.1.2.1").setSourceKind(SourceKind.DICOM_NETWORK).setSource("IT")
          .setReceivedAt(now).build();
    }

    private SliceMask mask(String uid, int index, int slices) {
      return SliceMask.newBuilder().setStudyInstanceUid(uid).setSeriesInstanceUid(uid + ".1")
          .setSopInstanceUid(uid + ".1." + index).setSliceIndex(index).setSliceCount(slices).setRows(2).setColumns(2)
          .setMaskRows(2).setMaskColumns(2).setRegions(List.of()).setSegmenter(Scores.SEGMENTER)
          .setSeriesFirstReceivedAt(now).setSeriesLastReceivedAt(now).setProcessedAt(now).build();
    }

    private VertebraCrop crop(String uid, Vertebra vertebra, int slices) {
      return VertebraCrop.newBuilder().setStudyInstanceUid(uid).setSeriesInstanceUid(uid + ".1").setVertebra(vertebra)
          .setFound(false).setSliceCount(slices).setSampledSliceIndices(List.of()).setSampledSopInstanceUids(List.of())
          .setSegmenter(Scores.SEGMENTER).setSeriesFirstReceivedAt(now).setSeriesLastReceivedAt(now)
          .setCreatedAt(now).build();
    }

    void flush() {
      producer.flush();
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(10));
    }
  }
}
