package io.spinestream.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.ModelRef;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SourceKind;
import io.spinestream.events.StudyScore;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
import io.spinestream.events.VoxelBox;
import io.spinestream.schemas.InMemorySchemaRegistry;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClassifierTopologyTest {
  private static final ClassifierTopics TOPICS = new ClassifierTopics(Topics.SLICES, Topics.SERIES, Topics.CROPS,
      Topics.VERTEBRA_SCORES, Topics.SCORES, Topics.DEAD_LETTERS);
  private static final int SIZE = 8;
  private static final ModelRef CLASSIFIER = new ModelRef("classifier-test", "1.0.0", "cd".repeat(32));
  private static final ModelRef SEGMENTER = new ModelRef("segmenter-test", "1.0.0", "ab".repeat(32));
  private static final ClassifierSpec SPEC = new ClassifierSpec(SIZE, SIZE, -1000f, 3000f, new float[] {0, 0, 0},
      new float[] {1, 1, 1}, CLASSIFIER);
  private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
  private static final int N = 40;

  /**
   * Stands in for the model: reads back the slice index of each channel of the first and last step (every
   * slice is a constant 100 * index HU) and answers logit = (C index of the vertebra, from its first step)
   * so that scores differ per vertebra.
   */
  static final class ChannelReadingClassifier implements VertebraClassifier {
    final List<int[]> firstStep = new ArrayList<>();
    final List<int[]> lastStep = new ArrayList<>();

    @Override
    public CompletableFuture<Float> submit(float[] input) {
      int pixels = SIZE * SIZE;
      int[] first = new int[3];
      int[] last = new int[3];
      for (int c = 0; c < 3; c++) {
        first[c] = index(input[c * pixels]);
        last[c] = index(input[(23 * 3 + c) * pixels]);
      }
      firstStep.add(first);
      lastStep.add(last);
      return CompletableFuture.completedFuture(first[1] / 5f - 3f);
    }

    private static int index(float windowed) {
      return Math.round((windowed * 4000f - 1000f) / 100f);
    }
  }

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
  private final ChannelReadingClassifier model = new ChannelReadingClassifier();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> slices;
  private TestInputTopic<String, byte[]> series;
  private TestInputTopic<String, byte[]> crops;
  private TestOutputTopic<String, VertebraScore> vertebraScores;
  private TestOutputTopic<String, StudyScore> scores;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  private void start(Aggregation aggregation) {
    serializer.configure(Map.of(), false);
    ClassifierConfig config = new ClassifierConfig(2, 2, Duration.ofMillis(10), Duration.ofMinutes(30),
        Duration.ofHours(1), 0.1, aggregation, 1024 * 1024);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "classifier-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(ClassifierTopology.buildTopology(config, SPEC, TOPICS, model, registry, Map.of()),
        props, T0);
    slices = driver.createInputTopic(Topics.SLICES.name(), new StringSerializer(), new ByteArraySerializer());
    series = driver.createInputTopic(Topics.SERIES.name(), new StringSerializer(), new ByteArraySerializer());
    crops = driver.createInputTopic(Topics.CROPS.name(), new StringSerializer(), new ByteArraySerializer());
    vertebraScores = driver.createOutputTopic(Topics.VERTEBRA_SCORES.name(), new StringDeserializer(),
        new AvroDeserializer<>(VertebraScore.class, registry));
    scores = driver.createOutputTopic(Topics.SCORES.name(), new StringDeserializer(),
        new AvroDeserializer<>(StudyScore.class, registry));
    deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
        new AvroDeserializer<>(DeadLetter.class, registry));
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static CtSlice slice(String study, int k) {
    ByteBuffer pixels = ByteBuffer.allocate(32 * 32 * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 32 * 32; i++) {
      pixels.putShort((short) (100 * k));
    }
    pixels.flip();
    return CtSlice.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1")
        .setSopInstanceUid(study + ".1." + k).setSopClassUid("1.2.840.10008.5.1.4.1.1.2").setInstanceNumber(k + 1)
        .setZPositionMm(k).setImagePositionPatient(List.of(0.0, 0.0, (double) k))
        .setImageOrientationPatient(List.of(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)).setRows(32).setColumns(32)
        .setRowSpacingMm(0.5).setColumnSpacingMm(0.5).setSliceThicknessMm(1.0).setPixels(pixels)
        .setTransferSyntaxUid("1.2.840.10008.1.2.1").setSourceKind(SourceKind.FILE).setSource("test")
        .setReceivedAt(T0).build();
  }

  private static SeriesManifest manifest(String study) {
    return SeriesManifest.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1").setSliceCount(N)
        .setSopInstanceUids(IntStream.range(0, N).mapToObj(k -> study + ".1." + k).toList())
        .setZPositionsMm(IntStream.range(0, N).mapToObj(k -> (double) k).toList()).setRows(32).setColumns(32)
        .setCompletion(SeriesCompletion.END_OF_INPUT).setSourceKind(SourceKind.FILE).setFirstReceivedAt(T0)
        .setLastReceivedAt(T0.plusSeconds(3)).setCompletedAt(T0.plusSeconds(4)).build();
  }

  /** C1 not found; C2..C7 found, vertebra v spanning slices [5v, 5v+5) (so C7 ends at slice 34). */
  private static List<VertebraCrop> cropsOf(String study) {
    List<VertebraCrop> all = new ArrayList<>();
    for (Vertebra v : Vertebra.values()) {
      boolean found = v != Vertebra.C1;
      int z0 = 5 * v.ordinal();
      List<Integer> sampled = found ? IntStream.range(0, 24).map(t -> z0 + (int) (t * 4.0 / 23)).boxed().toList()
          : List.of();
      all.add(VertebraCrop.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1").setVertebra(v)
          .setFound(found).setBox(found ? new VoxelBox(4, 20, 6, 22, z0, z0 + 5) : null).setSliceCount(N)
          .setSampledSliceIndices(sampled).setSampledSopInstanceUids(sampled.stream().map(i -> study + ".1." + i).toList())
          .setSegmenter(SEGMENTER).setSeriesFirstReceivedAt(T0).setSeriesLastReceivedAt(T0.plusSeconds(3))
          .setCreatedAt(T0.plusSeconds(20)).build());
    }
    return all;
  }

  private void send(TestInputTopic<String, byte[]> topic, String topicName, String key, Object value) {
    topic.pipeInput(key, serializer.serialize(topicName, value));
  }

  private void tick(int times) {
    for (int i = 0; i < times; i++) {
      driver.advanceWallClockTime(Duration.ofMillis(10));
    }
  }

  @Test
  void shouldScoreEveryVertebraOnceAndTheStudyOnceWithNeighbourChannels() {
    start(Aggregation.MAX);
    cropsOf("1.2.3").forEach(c -> send(crops, Topics.CROPS.name(), "1.2.3", c)); // crops before anything else
    IntStream.range(0, N).forEach(k -> send(slices, Topics.SLICES.name(), "1.2.3", slice("1.2.3", k)));
    tick(5);
    assertThat(scores.isEmpty()).as("the manifest (z order) is still missing").isTrue();
    send(series, Topics.SERIES.name(), "1.2.3", manifest("1.2.3"));
    tick(6);

    List<VertebraScore> perVertebra = vertebraScores.readValuesToList();
    assertThat(perVertebra).extracting(VertebraScore::getVertebra).containsExactlyInAnyOrder(Vertebra.values());
    VertebraScore c1 = perVertebra.stream().filter(s -> s.getVertebra() == Vertebra.C1).findFirst().orElseThrow();
    assertThat(c1.getFallback()).isTrue();
    assertThat(c1.getProbability()).isEqualTo(0.1);
    assertThat(model.firstStep).as("each found vertebra handed to the model once").hasSize(6);
    // C2 spans [5, 10): step 0 is slice 5 with neighbours 4 and 6; step 23 is slice 9 with 8 and 10.
    assertThat(model.firstStep.get(0)).containsExactly(4, 5, 6);
    assertThat(model.lastStep.get(0)).containsExactly(8, 9, 10);

    StudyScore study = scores.readValuesToList().get(0);
    assertThat(study.getC2()).isCloseTo(1 / (1 + Math.exp(-(5 / 5.0 - 3))), within(1e-6));
    assertThat(study.getC7()).isCloseTo(1 / (1 + Math.exp(-(30 / 5.0 - 3))), within(1e-6));
    assertThat(study.getPatientOverall()).as("max").isEqualTo(study.getC7());
    assertThat(study.getFallbackVertebrae()).containsExactly(Vertebra.C1);
    assertThat(study.getAggregation()).isEqualTo("max");
    assertThat(study.getSegmenter()).isEqualTo(SEGMENTER);
    assertThat(study.getClassifier()).isEqualTo(CLASSIFIER);
    assertThat(study.getLastSliceReceivedAt()).isEqualTo(T0.plusSeconds(3));
    assertThat(driver.getKeyValueStore(CropScorer.SLICE_STORE).approximateNumEntries()).as("slices dropped").isZero();

    // The same crops again (a replay): recognised, not scored twice.
    cropsOf("1.2.3").forEach(c -> send(crops, Topics.CROPS.name(), "1.2.3", c));
    tick(3);
    assertThat(scores.isEmpty()).isTrue();
    assertThat(vertebraScores.isEmpty()).isTrue();
  }

  @Test
  void shouldAggregateWithNoisyOrWhenConfigured() {
    start(Aggregation.NOISY_OR);
    send(series, Topics.SERIES.name(), "1.2.4", manifest("1.2.4"));
    IntStream.range(0, N).forEach(k -> send(slices, Topics.SLICES.name(), "1.2.4", slice("1.2.4", k)));
    cropsOf("1.2.4").forEach(c -> send(crops, Topics.CROPS.name(), "1.2.4", c));
    tick(6);
    StudyScore study = scores.readValuesToList().get(0);
    double none = (1 - study.getC1()) * (1 - study.getC2()) * (1 - study.getC3()) * (1 - study.getC4())
        * (1 - study.getC5()) * (1 - study.getC6()) * (1 - study.getC7());
    assertThat(study.getPatientOverall()).isCloseTo(1 - none, within(1e-12));
    assertThat(study.getAggregation()).isEqualTo("noisy-or");
  }

  @Test
  void shouldWaitForMissingSlicesThenDropTheStudyAfterItsTimeToLive() {
    start(Aggregation.MAX);
    send(series, Topics.SERIES.name(), "1.2.5", manifest("1.2.5"));
    IntStream.range(0, N).filter(k -> k != 9).forEach(k -> send(slices, Topics.SLICES.name(), "1.2.5", slice("1.2.5", k)));
    cropsOf("1.2.5").forEach(c -> send(crops, Topics.CROPS.name(), "1.2.5", c));
    tick(5);
    assertThat(scores.isEmpty()).as("slice 9 (needed by C2) is missing").isTrue();
    driver.advanceWallClockTime(Duration.ofMinutes(31));
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(l -> {
      assertThat(l.getReasonCode()).isEqualTo("STUDY_INCOMPLETE");
      assertThat(l.getReason()).contains("7 of 7 crops");
    });
    assertThat(driver.getKeyValueStore(CropScorer.SLICE_STORE).approximateNumEntries()).isZero();
  }

  @Test
  void shouldDeadLetterPoisonRecordsOnEveryInput() {
    start(Aggregation.MAX);
    slices.pipeInput("1.2.6", "junk".getBytes());
    series.pipeInput("1.2.6", new byte[] {1});
    crops.pipeInput("1.2.6", new byte[0]);
    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getSourceTopic)
        .containsExactly(Topics.SLICES.name(), Topics.SERIES.name(), Topics.CROPS.name());
  }
}
