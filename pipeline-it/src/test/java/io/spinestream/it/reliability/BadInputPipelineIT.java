package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.SourceKind;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, part 2: bad input through the whole pipeline (producer serving an inbox, segmenter, cropper,
 * classifier, each its own JVM, shipped models). Poison records go straight onto every input topic
 * (garbage bytes, a record of the wrong type, an empty value, records that decode but make no sense, a
 * manifest whose slices never come); a corpus of bad DICOM goes through the producer (truncated, corrupt,
 * text, noise, an MR, no pixel data, a slice of another matrix size inside a series, a duplicate, a
 * one-slice series, an oversize slice, a study with absurd values). Each yields the dead letter of its
 * stage with its reason (the MR a documented skip), and the good studies sent before, between and after
 * all that still get exactly one StudyScore each. Last, {@code tools dead-letters} re-drives some of them.
 */
class BadInputPipelineIT {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration TIMEOUT = Duration.ofMinutes(12);
  private static final String MR = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";
  /** The stuck-series timeout of the segmenter in this test (default 10 min). */
  private static final int SEGMENTER_SERIES_TIMEOUT_S = 30;

  /** A record written straight onto a topic and the dead letter each reader of that topic must produce. */
  record Poison(String what, String topic, int partition, long offset, Map<String, String> reasonByStage) {}

  @TempDir
  Path work;

  @Test
  void shouldDeadLetterEveryBadInputWithItsStageAndReasonAndScoreTheGoodStudiesOnce() throws Exception {
    Path phantoms = work.resolve("phantoms");
    List<PhantomStudy> good = Studies.generate(phantoms, 3, 100);
    PhantomStudy absurd = PhantomGenerator.generate(Studies.options(1, 103).withSlices(12), phantoms).get(0);
    PhantomStudy oneSlice = PhantomGenerator.generate(Studies.options(1, 104).withSlices(1), phantoms).get(0);
    PhantomStudy oversize = PhantomGenerator.generate(Studies.options(1, 105).withSlices(1).withMatrix(1100),
        work.resolve("big")).get(0);
    PhantomStudy small = PhantomGenerator.generate(Studies.options(1, 106).withSlices(1).withMatrix(64),
        work.resolve("small")).get(0);
    PhantomStudy first = good.get(0);
    Path corpus = corpus(work.resolve("corpus-src"), first, absurd, oneSlice, oversize, small);
    long corpusFiles = countFiles(corpus);

    String prefix = "it-" + ItStack.runId() + "-bad.";
    Map<String, List<String>> extra = Map.of("segmenter",
        List.of("--segmenter.series.timeout.ms=" + SEGMENTER_SERIES_TIMEOUT_S * 1000));
    try (LivePipeline pipeline = new LivePipeline(work, prefix, extra)) {
      pipeline.start(START_TIMEOUT);
      try (Outcomes outcomes = new Outcomes(pipeline)) {
        // 1. Poison on every input topic before any good data: the services meet it first.
        List<Poison> poisons = writePoison(pipeline);
        // 2. Two good studies; once their series are complete, the DICOM corpus (some of it claims them).
        pipeline.feed(good.get(0).seriesDirectory());
        pipeline.feed(good.get(1).seriesDirectory());
        awaitManifests(pipeline, Set.of(good.get(0).seriesInstanceUid(), good.get(1).seriesInstanceUid()));
        pipeline.feed(corpus);
        // 3. A good study after all of it: processing goes on.
        pipeline.feed(good.get(2).seriesDirectory());

        List<String> goodUids = good.stream().map(PhantomStudy::studyInstanceUid).toList();
        boolean scored = outcomes.awaitScored(goodUids, TIMEOUT);
        int expectedLetters = expectedDeadLetters(poisons, absurd);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (outcomes.deadLetterCount() < expectedLetters && System.nanoTime() < deadline) {
          TimeUnit.SECONDS.sleep(1);
        }
        TimeUnit.SECONDS.sleep(10);

        List<DeadLetter> letters = outcomes.deadLetters();
        Map<String, Integer> scores = outcomes.scoresPerStudy();
        Figures.Accounting accounting = Figures.account(goodUids, scores, Set.of());
        new Figures("bad input")
            .put("poison records written on input topics", poisons.size())
            .put("DICOM corpus files", corpusFiles)
            .put("good studies sent", goodUids.size())
            .put("scores of good studies", accounting.scores())
            .put("duplicates", accounting.duplicates())
            .put("losses", accounting.losses())
            .put("dead letters", letters.size() + " (expected " + expectedLetters + ")")
            .put("dead letters by reason", outcomes.deadLettersByReason())
            .put("scores of bad studies", scores.keySet().stream().filter(k -> !goodUids.contains(k)).toList())
            .print();

        assertThat(scored).as("the good studies scored within %d min", TIMEOUT.toMinutes()).isTrue();
        assertThat(accounting.lost()).isEmpty();
        assertThat(accounting.duplicated()).isEmpty();
        assertThat(scores.keySet()).as("only good studies are scored (not the absurd, one-slice or poison ones)")
            .containsExactlyInAnyOrderElementsOf(goodUids);
        assertThat(pipeline.dead()).as("services that died").isEmpty();

        assertPoisonDeadLettered(poisons, letters);
        assertCorpusDeadLettered(letters, pipeline, first, absurd, oneSlice, oversize);
        assertThat(letters).as("every dead letter has a reason").allSatisfy(l -> {
          assertThat(l.getReason()).isNotBlank();
          assertThat(l.getReasonCode()).isNotBlank();
        });
        assertThat(letters).as("no dead letter is about a good study's own data, except the slice that intruded")
            .filteredOn(l -> goodUids.contains(l.getKey()))
            .extracting(DeadLetter::getReasonCode).containsExactly("INCONSISTENT_SIZE");

        assertRedrive(pipeline, prefix, outcomes, letters.size());
      }
    }
  }

  // ---- poison records straight onto the input topics ----

  private List<Poison> writePoison(LivePipeline pipeline) throws Exception {
    String slices = pipeline.topic(Topics.SLICES.name());
    String series = pipeline.topic(Topics.SERIES.name());
    String masks = pipeline.topic(Topics.MASKS.name());
    String crops = pipeline.topic(Topics.CROPS.name());
    Map<String, List<String>> readers = Map.of(slices, List.of("segmenter", "classifier"),
        series, List.of("segmenter", "cropper", "classifier"), masks, List.of("cropper"), crops, List.of("classifier"));
    AvroSerializer<Object> serializer = new AvroSerializer<>(ItStack.registry());
    serializer.configure(Map.of(), false);
    // A record of the wrong type: a well-formed DeadLetter in the wire format, with its registered id.
    DeadLetter wrongType = io.spinestream.common.deadletter.DeadLetters.forInput("test", "WRONG_TYPE",
        "a DeadLetter where another type belongs", null, "BadInputPipelineIT", null, -1, null);
    byte[] wrongTypeBytes = serializer.serialize(pipeline.topic(Topics.DEAD_LETTERS.name()), wrongType);
    byte[] garbage = "{\"this\": \"is not Avro\"}".getBytes(StandardCharsets.UTF_8);

    List<Poison> poisons = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = ItStack.producer(new StringSerializer(), new ByteArraySerializer())) {
      for (String topic : List.of(slices, series, masks, crops)) {
        Map<String, String> undecodable = new HashMap<>();
        Map<String, String> empty = new HashMap<>();
        readers.get(topic).forEach(stage -> {
          undecodable.put(stage, "UNDESERIALIZABLE_RECORD");
          empty.put(stage, "EMPTY_VALUE");
        });
        poisons.add(send(producer, "garbage bytes", topic, "poison-garbage", garbage, undecodable));
        poisons.add(send(producer, "wrong type (DeadLetter)", topic, "poison-type", wrongTypeBytes, undecodable));
        poisons.add(send(producer, "empty value", topic, "poison-empty", null, empty));
      }
      // Records that decode but make no sense.
      CtSlice badPixels = CtSlice.newBuilder().setStudyInstanceUid("2.25.1").setSeriesInstanceUid("2.25.1.1")
          .setSopInstanceUid("2.25.1.1.1").setSopClassUid("1.2.840.10008.5.1.4.1.1.2").setInstanceNumber(1)
          .setZPositionMm(0).setImagePositionPatient(List.of(0.0, 0.0, 0.0))
          .setImageOrientationPatient(List.of(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)).setRows(64).setColumns(64)
          .setRowSpacingMm(1).setColumnSpacingMm(1).setSliceThicknessMm(null).setPixels(ByteBuffer.wrap(new byte[100]))
          .setTransferSyntaxUid("1.2.840.10008.1.2.1").setSourceKind(SourceKind.FILE).setSource("BadInputPipelineIT")
          .setReceivedAt(Instant.now()).build();
      poisons.add(send(producer, "slice with 100 pixel bytes for 64x64", slices, "2.25.1",
          serializer.serialize(slices, badPixels), Map.of("segmenter", "INVALID_RECORD", "classifier", "INVALID_RECORD")));
      SliceMask badIndex = SliceMask.newBuilder().setStudyInstanceUid("2.25.2").setSeriesInstanceUid("2.25.2.1")
          .setSopInstanceUid("2.25.2.1.1").setSliceIndex(7).setSliceCount(5).setRows(64).setColumns(64)
          .setMaskRows(64).setMaskColumns(64).setRegions(List.<LabelRegion>of()).setMask(null)
          .setSegmenter(new ModelRef("test", "0", "00".repeat(32))).setSeriesFirstReceivedAt(Instant.now())
          .setSeriesLastReceivedAt(Instant.now()).setProcessedAt(Instant.now()).build();
      poisons.add(send(producer, "mask with slice index 7 of 5", masks, "2.25.2",
          serializer.serialize(masks, badIndex), Map.of("cropper", "INVALID_RECORD")));
      // A series whose slices never come: stuck in the segmenter until its timeout, then dead-lettered; the
      // cropper refuses it at once (2 slices cannot cover C1..C7).
      SeriesManifest stuck = SeriesManifest.newBuilder().setStudyInstanceUid("2.25.3").setSeriesInstanceUid("2.25.3.1")
          .setSliceCount(2).setSopInstanceUids(List.of("2.25.3.1.1", "2.25.3.1.2")).setZPositionsMm(List.of(0.0, 3.0))
          .setRows(64).setColumns(64).setCompletion(SeriesCompletion.END_OF_INPUT).setSourceKind(SourceKind.FILE)
          .setFirstReceivedAt(Instant.now()).setLastReceivedAt(Instant.now()).setCompletedAt(Instant.now()).build();
      Poison stuckSeries = send(producer, "manifest of slices that never come", series, "2.25.3",
          serializer.serialize(series, stuck), Map.of("segmenter", "SERIES_INCOMPLETE", "cropper", "SERIES_TOO_SHORT"));
      poisons.add(stuckSeries);
    }
    return poisons;
  }

  private static Poison send(KafkaProducer<String, byte[]> producer, String what, String topic, String key, byte[] value,
      Map<String, String> reasonByStage) throws Exception {
    RecordMetadata sent = producer.send(new ProducerRecord<>(topic, key, value)).get(60, TimeUnit.SECONDS);
    return new Poison(what, topic, sent.partition(), sent.offset(), reasonByStage);
  }

  private static int expectedDeadLetters(List<Poison> poisons, PhantomStudy absurd) {
    int fromPoison = poisons.stream().mapToInt(p -> p.reasonByStage().size()).sum();
    // truncated, corrupt, text, noise, no pixels, wrong size, oversize, negative slope, one-slice series,
    // and one per slice of the absurd study.
    return fromPoison + 9 + absurd.slices();
  }

  private static void assertPoisonDeadLettered(List<Poison> poisons, List<DeadLetter> letters) {
    for (Poison poison : poisons) {
      poison.reasonByStage().forEach((stage, reason) -> {
        if (reason.equals("SERIES_INCOMPLETE")) {
          assertThat(letters).as("%s: %s dead-letters it after its series timeout", poison.what(), stage)
              .filteredOn(l -> l.getStage().equals(stage) && l.getReasonCode().equals(reason))
              .singleElement().satisfies(l -> {
                assertThat(l.getKey()).isEqualTo("2.25.3");
                assertThat(l.getReason()).contains("0 of 2 slices in").contains(SEGMENTER_SERIES_TIMEOUT_S + " s");
              });
          return;
        }
        assertThat(letters).as("%s on %s: the dead letter of %s", poison.what(), poison.topic(), stage)
            .filteredOn(l -> l.getStage().equals(stage) && poison.topic().equals(l.getSourceTopic())
                && l.getSourcePartition() != null && l.getSourcePartition() == poison.partition()
                && l.getSourceOffset() != null && l.getSourceOffset() == poison.offset())
            .singleElement().satisfies(l -> {
              assertThat(l.getReasonCode()).isEqualTo(reason);
              assertThat(l.getSource()).isEqualTo(poison.topic() + "-" + poison.partition() + "@" + poison.offset());
              if (!reason.equals("EMPTY_VALUE")) {
                assertThat(l.getPayload()).as("the bytes, for re-driving").isNotNull();
              }
            });
      });
    }
  }

  // ---- re-driving with ./spine tools dead-letters ----

  /**
   * Re-driving puts a refused record back on its topic and a refused file back into the inbox: without a fix
   * they are refused again, each by the same readers, which shows they were processed once more. A series
   * that timed out cannot be re-driven from its letter: the tool says to send the study again.
   */
  private static void assertRedrive(LivePipeline pipeline, String prefix, Outcomes outcomes, int before)
      throws Exception {
    String records = tool(prefix, "--dead-letters.stage=cropper", "--dead-letters.reason=UNDESERIALIZABLE_RECORD",
        "--dead-letters.key=poison-garbage", "--dead-letters.redrive=true");
    assertThat(records).contains("2 dead letter(s) match").contains("re-drove 2 record(s) and 0 file(s)");
    String files = tool(prefix, "--dead-letters.stage=producer", "--dead-letters.reason=TOO_LARGE",
        "--dead-letters.redrive=true", "--dead-letters.inbox=" + pipeline.inbox());
    assertThat(files).contains("re-drove 0 record(s) and 1 file(s)");
    String stuck = tool(prefix, "--dead-letters.reason=SERIES_INCOMPLETE", "--dead-letters.redrive=true");
    assertThat(stuck).contains("send the study again").contains("1 letter(s) cannot be re-driven");

    // The garbage from spine.masks is refused again by the cropper, the one from spine.series by all three
    // readers; the oversize file again by the producer.
    int expected = before + 1 + 3 + 1;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (outcomes.deadLetterCount() < expected && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(1);
    }
    TimeUnit.SECONDS.sleep(5);
    List<DeadLetter> after = outcomes.deadLetters();
    List<DeadLetter> again = after.subList(before, after.size());
    assertThat(again).as("dead letters of the re-driven input").hasSize(expected - before);
    assertThat(again).filteredOn(l -> l.getStage().equals("producer")).singleElement()
        .satisfies(l -> assertThat(l.getReasonCode()).isEqualTo("TOO_LARGE"));
    assertThat(again).filteredOn(l -> !l.getStage().equals("producer")).hasSize(4).allSatisfy(l -> {
      assertThat(l.getReasonCode()).isEqualTo("UNDESERIALIZABLE_RECORD");
      assertThat(l.getKey()).isEqualTo("poison-garbage");
    });
  }

  private static String tool(String prefix, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("dead-letters", "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS,
        "--registry.url=" + ItStack.REGISTRY_URL, "--topics.prefix=" + prefix, "--dead-letters.show=0"));
    args.addAll(List.of(flags));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    int code = io.spinestream.tools.DeadLetterTool.run(args.toArray(String[]::new), Map.of(),
        new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
    String output = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(output);
    assertThat(code).as(output).isZero();
    return output;
  }

  // ---- the DICOM corpus through the producer ----

  /**
   * A folder of bad DICOM as a hospital hands it over. Files claiming the first good study (a slice of another
   * size, a duplicate) only make sense once that series is complete, which the caller waits for.
   */
  private static Path corpus(Path dir, PhantomStudy first, PhantomStudy absurd, PhantomStudy oneSlice,
      PhantomStudy oversize, PhantomStudy small) throws Exception {
    Path corpus = Files.createDirectories(dir.resolve("corpus"));
    Path aSlice = first.dicomFiles().get(first.dicomFiles().size() / 2);
    byte[] whole = Files.readAllBytes(aSlice);
    Files.write(corpus.resolve("truncated.dcm"), Arrays.copyOf(whole, whole.length / 2));
    // Corrupt: a valid preamble and "DICM", then garbage where the data set should be ("cannot be parsed").
    byte[] corrupt = whole.clone();
    byte[] noise = new byte[whole.length - 132];
    new Random(11).nextBytes(noise);
    System.arraycopy(noise, 0, corrupt, 132, noise.length);
    Files.write(corpus.resolve("corrupt.dcm"), corrupt);
    Files.writeString(corpus.resolve("notes.txt"), "scanned by the night shift", StandardCharsets.UTF_8);
    byte[] random = new byte[4096];
    new Random(7).nextBytes(random);
    Files.write(corpus.resolve("noise.bin"), random);
    Files.copy(Path.of(MR), corpus.resolve("mr.dcm"));
    Path noPixels = corpus.resolve("no-pixels.dcm");
    Files.copy(aSlice, noPixels);
    run("dcmodify", "-nb", "-e", "(7fe0,0010)", "-m", "(0008,0018)=2.25.9001", noPixels.toString());
    // A 64x64 slice claiming the first good (128x128) series: mixed matrix sizes within a series.
    Path wrongSize = corpus.resolve("wrong-size.dcm");
    Files.copy(small.dicomFiles().get(0), wrongSize);
    run("dcmodify", "-nb", "-m", "(0020,000d)=" + first.studyInstanceUid(), "-m", "(0020,000e)=" + first.seriesInstanceUid(),
        "-m", "(0008,0018)=2.25.9002", wrongSize.toString());
    Files.copy(aSlice, corpus.resolve("duplicate.dcm"));
    Files.copy(oversize.dicomFiles().get(0), corpus.resolve("oversize-1100.dcm"));
    Path negative = corpus.resolve("negative-slope.dcm");
    Files.copy(aSlice, negative);
    run("dcmodify", "-nb", "-m", "(0028,1053)=-1", "-m", "(0008,0018)=2.25.9003", negative.toString());
    Path one = Files.createDirectories(corpus.resolve("one-slice"));
    Files.copy(oneSlice.dicomFiles().get(0), one.resolve("1.dcm"));
    // A whole study whose rescale makes every pixel absurd (RescaleSlope 1e30).
    Path absurdDir = Files.createDirectories(corpus.resolve("absurd"));
    for (Path file : absurd.dicomFiles()) {
      Path copy = absurdDir.resolve(file.getFileName());
      Files.copy(file, copy);
      run("dcmodify", "-nb", "-m", "(0028,1053)=1e30", copy.toString());
    }
    return corpus;
  }

  private static void assertCorpusDeadLettered(List<DeadLetter> letters, LivePipeline pipeline, PhantomStudy first,
      PhantomStudy absurd, PhantomStudy oneSlice, PhantomStudy oversize) throws IOException {
    List<DeadLetter> producer = letters.stream().filter(l -> l.getStage().equals("producer")).toList();
    Map<String, String> reasonByFile = new TreeMap<>();
    Map<String, Integer> absurdReasons = new TreeMap<>();
    for (DeadLetter letter : producer) {
      Path file = Path.of(letter.getPayloadReference());
      if (file.getParent().getFileName().toString().equals("absurd")) {
        absurdReasons.merge(letter.getReasonCode(), 1, Integer::sum);
      } else {
        assertThat(reasonByFile.put(file.getFileName().toString(), letter.getReasonCode()))
            .as("one dead letter for %s", file).isNull();
      }
      assertThat(letter.getPayload()).as("a file is referenced, never copied").isNull();
    }
    assertThat(reasonByFile).containsExactlyInAnyOrderEntriesOf(Map.of(
        "truncated.dcm", "TRUNCATED",
        "corrupt.dcm", "NOT_DICOM",
        "notes.txt", "NOT_DICOM",
        "noise.bin", "NOT_DICOM",
        "no-pixels.dcm", "NO_PIXEL_DATA",
        "wrong-size.dcm", "INCONSISTENT_SIZE",
        "oversize-1100.dcm", "TOO_LARGE",
        "negative-slope.dcm", "INVALID_ATTRIBUTE"));
    assertThat(absurdReasons).as("every slice of the absurd study").isEqualTo(Map.of("IMPLAUSIBLE_VALUES", absurd.slices()));
    assertThat(producer).filteredOn(l -> l.getPayloadReference().endsWith("oversize-1100.dcm"))
        .singleElement().satisfies(l -> assertThat(l.getReason()).contains("1100 x 1100"));
    // The one-slice series is read and segmented, then refused by the cropper: not a cervical spine volume.
    assertThat(letters).filteredOn(l -> oneSlice.studyInstanceUid().equals(l.getKey()))
        .singleElement().satisfies(l -> {
          assertThat(l.getStage()).isEqualTo("cropper");
          assertThat(l.getReasonCode()).isEqualTo("SERIES_TOO_SHORT");
        });
    // The MR is a documented skip: no dead letter, a logged reason, the file set aside as ignored.
    String producerLog = Files.readString(pipeline.service("producer").log());
    assertThat(producerLog).containsPattern("skipped \\S*mr\\.dcm: \\w+");
    assertThat(pipeline.inbox().resolveSibling("inbox-archive/ignored/corpus/mr.dcm")).exists();
    // The duplicate of a slice the first study already has is recognised, not sent again.
    assertThat(producerLog).contains("duplicate slice");
    assertThat(first.dicomFiles()).isNotEmpty();
  }

  // ---- helpers ----

  /** Waits until the manifests of these series are on the series topic (the producer completed them). */
  private static void awaitManifests(LivePipeline pipeline, Set<String> seriesUids) {
    String topic = pipeline.topic(Topics.SERIES.name());
    try (KafkaConsumer<String, byte[]> consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      var deserializer = new io.spinestream.schemas.serde.AvroDeserializer<>(SeriesManifest.class, ItStack.registry());
      Set<String> seen = new java.util.HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!seen.containsAll(seriesUids) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          try {
            seen.add(deserializer.deserialize(topic, record.value()).getSeriesInstanceUid());
          } catch (RuntimeException e) {
            // The poison written earlier.
          }
        }
      }
      assertThat(seen).as("manifests of the first good studies").containsAll(seriesUids);
    }
  }

  private static long countFiles(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }
}
