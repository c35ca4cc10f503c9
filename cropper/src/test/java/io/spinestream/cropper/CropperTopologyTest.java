package io.spinestream.cropper;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.DeadLetter;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.PixelBox;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.SourceKind;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VoxelBox;
import io.spinestream.schemas.InMemorySchemaRegistry;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CropperTopologyTest {
  private static final CropperTopics TOPICS = new CropperTopics(Topics.MASKS, Topics.SERIES, Topics.CROPS,
      Topics.DEAD_LETTERS);
  private static final CropperConfig CONFIG = new CropperConfig(10, 0.10, Duration.ofMinutes(5), Duration.ofHours(1),
      Duration.ofSeconds(1));
  private static final ModelRef SEGMENTER = new ModelRef("segmenter-test", "1.0.0", "00".repeat(32));
  private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> masks;
  private TestInputTopic<String, byte[]> series;
  private TestOutputTopic<String, VertebraCrop> crops;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void start() {
    serializer.configure(Map.of(), false);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "cropper-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(CropperTopology.buildTopology(CONFIG, TOPICS, registry, Map.of()), props,
        T0);
    masks = driver.createInputTopic(Topics.MASKS.name(), new StringSerializer(), new ByteArraySerializer());
    series = driver.createInputTopic(Topics.SERIES.name(), new StringSerializer(), new ByteArraySerializer());
    crops = driver.createOutputTopic(Topics.CROPS.name(), new StringDeserializer(),
        new AvroDeserializer<>(VertebraCrop.class, registry));
    deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
        new AvroDeserializer<>(DeadLetter.class, registry));
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  /** A series of n slices where C2 covers slices [10, 20) and C5 slices [25, 31), C1..C4 others absent. */
  private static List<SliceMask> masksOf(String study, int n) {
    List<SliceMask> all = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      List<LabelRegion> regions = new ArrayList<>();
      if (k >= 10 && k < 20) {
        regions.add(new LabelRegion(2, "C2", 150, new PixelBox(200, 180, 260, 240)));
      }
      if (k >= 25 && k < 31) {
        regions.add(new LabelRegion(5, "C5", 90 + k, new PixelBox(210 - k, 300, 250, 340 + k)));
      }
      if (k == 40) {
        regions.add(new LabelRegion(7, "C7", 3, new PixelBox(0, 0, 2, 2)));
      }
      regions.add(new LabelRegion(8, "T1-T12", 20, new PixelBox(100, 100, 110, 110)));
      all.add(SliceMask.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1")
          .setSopInstanceUid(study + ".1." + k).setSliceIndex(k).setSliceCount(n).setRows(512).setColumns(512)
          .setMaskRows(160).setMaskColumns(160).setRegions(regions).setMask(null).setSegmenter(SEGMENTER)
          .setSeriesFirstReceivedAt(T0).setSeriesLastReceivedAt(T0.plusSeconds(3)).setProcessedAt(T0.plusSeconds(9))
          .build());
    }
    return all;
  }

  private static SeriesManifest manifestOf(String study, int n) {
    return SeriesManifest.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1").setSliceCount(n)
        .setSopInstanceUids(IntStream.range(0, n).mapToObj(k -> study + ".1." + k).toList())
        .setZPositionsMm(IntStream.range(0, n).mapToObj(k -> k * 1.25).toList()).setRows(512).setColumns(512)
        .setCompletion(SeriesCompletion.END_OF_INPUT).setSourceKind(SourceKind.FILE).setFirstReceivedAt(T0)
        .setLastReceivedAt(T0.plusSeconds(3)).setCompletedAt(T0.plusSeconds(4)).build();
  }

  private void send(TestInputTopic<String, byte[]> topic, String key, SpecificRecord value, String topicName) {
    topic.pipeInput(key, serializer.serialize(topicName, value));
  }

  @Test
  void shouldEmitSevenCropsOnceWhateverTheOrderOfMasksAndManifest() {
    List<SliceMask> a = masksOf("1.2.3", 50);
    List<SliceMask> b = masksOf("1.2.4", 50);
    Collections.reverse(a);
    send(series, "1.2.4", manifestOf("1.2.4", 50), Topics.SERIES.name());
    for (int k = 0; k < 50; k++) {
      send(masks, "1.2.3", a.get(k), Topics.MASKS.name());
      send(masks, "1.2.4", b.get(k), Topics.MASKS.name());
      if (k % 7 == 0) {
        send(masks, "1.2.3", a.get(k), Topics.MASKS.name()); // duplicates overwrite their twin
      }
    }
    assertThat(crops.readValuesToList()).as("study 1.2.4 complete, 1.2.3 waits for its manifest")
        .hasSize(7).allSatisfy(c -> assertThat(c.getStudyInstanceUid()).isEqualTo("1.2.4"));
    send(series, "1.2.3", manifestOf("1.2.3", 50), Topics.SERIES.name());
    List<VertebraCrop> emitted = crops.readValuesToList();
    assertThat(emitted).hasSize(7).extracting(VertebraCrop::getVertebra).containsExactly(Vertebra.values());

    VertebraCrop c2 = emitted.get(1);
    assertThat(c2.getFound()).isTrue();
    // union [200,260) x [180,240), margin floor(0.1*60)=6 each side
    assertThat(c2.getBox()).isEqualTo(new VoxelBox(194, 266, 174, 246, 10, 20));
    assertThat(c2.getSampledSliceIndices()).hasSize(24).startsWith(10, 10, 10).endsWith(19);
    assertThat(c2.getSampledSopInstanceUids().get(23)).isEqualTo("1.2.3.1.19");
    assertThat(c2.getSegmenter()).isEqualTo(SEGMENTER);
    assertThat(c2.getSeriesLastReceivedAt()).isEqualTo(T0.plusSeconds(3));
    assertThat(emitted.get(4).getBox().getZ0()).isEqualTo(25);
    assertThat(emitted.get(4).getBox().getZ1()).isEqualTo(31);
    VertebraCrop c7 = emitted.get(6);
    assertThat(c7.getFound()).as("3 stray pixels are not a vertebra").isFalse();
    assertThat(c7.getBox()).isNull();
    assertThat(c7.getSampledSliceIndices()).isEmpty();

    // Everything again (a replay): the series is remembered as done, nothing more is emitted.
    send(series, "1.2.3", manifestOf("1.2.3", 50), Topics.SERIES.name());
    masksOf("1.2.3", 50).forEach(m -> send(masks, "1.2.3", m, Topics.MASKS.name()));
    assertThat(crops.isEmpty()).isTrue();
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(driver.<String, SeriesState>getKeyValueStore(MaskAggregator.SERIES_STORE).approximateNumEntries())
        .as("state freed").isZero();
  }

  @Test
  void shouldDeadLetterPoisonRecordsAndKeepGoing() {
    masks.pipeInput("1.2.3", "{\"not\":\"avro\"}".getBytes());
    series.pipeInput("1.2.3", new byte[] {0, 0, 0, 0, 99, 1});
    List<SliceMask> all = masksOf("1.2.3", 30);
    all.forEach(m -> send(masks, "1.2.3", m, Topics.MASKS.name()));
    send(series, "1.2.3", manifestOf("1.2.3", 30), Topics.SERIES.name());

    List<DeadLetter> letters = deadLetters.readValuesToList();
    assertThat(letters).hasSize(2).allSatisfy(l -> {
      assertThat(l.getStage()).isEqualTo("cropper");
      assertThat(l.getReasonCode()).isEqualTo("UNDESERIALIZABLE_RECORD");
      assertThat(l.getPayload()).isNotNull();
      assertThat(l.getSourceOffset()).isZero();
    });
    assertThat(letters.get(0).getSourceTopic()).isEqualTo(Topics.MASKS.name());
    assertThat(letters.get(0).getReason()).contains("unknown magic byte");
    assertThat(letters.get(1).getSourceTopic()).isEqualTo(Topics.SERIES.name());
    assertThat(letters.get(1).getReason()).contains("schema id 99");
    assertThat(crops.readValuesToList()).hasSize(7);
  }

  @Test
  void shouldDeadLetterASeriesTooShortToCoverTheCervicalSpineInsteadOfCroppingIt() {
    masksOf("1.2.3", 1).forEach(m -> send(masks, "1.2.3", m, Topics.MASKS.name()));
    send(series, "1.2.3", manifestOf("1.2.3", 1), Topics.SERIES.name());
    masksOf("1.2.4", 10).forEach(m -> send(masks, "1.2.4", m, Topics.MASKS.name()));
    send(series, "1.2.4", manifestOf("1.2.4", 10), Topics.SERIES.name());

    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(l -> {
      assertThat(l.getStage()).isEqualTo("cropper");
      assertThat(l.getReasonCode()).isEqualTo("SERIES_TOO_SHORT");
      assertThat(l.getReason()).contains("1 slice(s)").contains("at least 10");
      assertThat(l.getKey()).isEqualTo("1.2.3");
      assertThat(l.getSourceTopic()).isEqualTo(Topics.SERIES.name());
    });
    assertThat(crops.readValuesToList()).as("only the 10-slice series is cropped").hasSize(7)
        .allSatisfy(c -> assertThat(c.getStudyInstanceUid()).isEqualTo("1.2.4"));
    // A replay of the short series is recognised, not dead-lettered again.
    send(series, "1.2.3", manifestOf("1.2.3", 1), Topics.SERIES.name());
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(driver.<String, SeriesState>getKeyValueStore(MaskAggregator.SERIES_STORE).approximateNumEntries())
        .as("state freed").isZero();
  }

  @Test
  void shouldDeadLetterAMaskWithAnImpossibleSliceIndex() {
    SliceMask bad = masksOf("1.2.3", 5).get(0);
    bad.setSliceIndex(7);
    send(masks, "1.2.3", bad, Topics.MASKS.name());
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(l -> {
      assertThat(l.getReasonCode()).isEqualTo("INVALID_RECORD");
      assertThat(l.getReason()).contains("slice index 7 outside 0..4");
    });
  }

  @Test
  void shouldDeadLetterASeriesThatStopsProgressingAndFreeItsState() {
    send(series, "1.2.3", manifestOf("1.2.3", 30), Topics.SERIES.name());
    masksOf("1.2.3", 30).subList(0, 20).forEach(m -> send(masks, "1.2.3", m, Topics.MASKS.name()));
    driver.advanceWallClockTime(Duration.ofMinutes(4));
    assertThat(deadLetters.isEmpty()).isTrue();
    driver.advanceWallClockTime(Duration.ofMinutes(2));
    assertThat(deadLetters.readValuesToList()).singleElement().satisfies(l -> {
      assertThat(l.getReasonCode()).isEqualTo("SERIES_INCOMPLETE");
      assertThat(l.getReason()).contains("masks for 20 of 30 slices").contains("1.2.3.1");
      assertThat(l.getKey()).isEqualTo("1.2.3");
    });
    assertThat(crops.isEmpty()).isTrue();
    assertThat(driver.<String, SeriesState>getKeyValueStore(MaskAggregator.SERIES_STORE).approximateNumEntries())
        .isZero();
  }

  @Test
  void shouldRoundTripItsStateThroughTheStoreSerde() {
    SeriesState state = new SeriesState("1.2.3", "1.2.3.1");
    masksOf("1.2.3", 12).forEach(state::add);
    state.add(manifestOf("1.2.3", 12));
    state.updatedAt = 42;
    byte[] bytes = SeriesState.SERDE.serializer().serialize("t", state);
    SeriesState back = SeriesState.SERDE.deserializer().deserialize("t", bytes);
    assertThat(back.complete()).isTrue();
    assertThat(back.regions(2)).isEqualTo(state.regions(2));
    assertThat(back.manifest).isEqualTo(state.manifest);
    assertThat(back.segmenter).isEqualTo(SEGMENTER);
    assertThat(back.updatedAt).isEqualTo(42);
  }
}
