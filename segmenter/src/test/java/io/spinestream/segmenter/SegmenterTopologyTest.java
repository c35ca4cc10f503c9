package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.streams.RetryLaterException;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.PixelBox;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.SourceKind;
import io.spinestream.schemas.InMemorySchemaRegistry;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SegmenterTopologyTest {
  private static final SegmenterTopics TOPICS = new SegmenterTopics(Topics.SLICES, Topics.SERIES, Topics.MASKS,
      Topics.DEAD_LETTERS);
  private static final int SIZE = 16;
  private static final ModelRef MODEL = new ModelRef("segmenter-test", "1.0.0", "ab".repeat(32));
  private static final SegmenterSpec SPEC = new SegmenterSpec(SIZE, SIZE, -1000f, 3000f, new float[] {0, 0, 0},
      new float[] {1, 1, 1}, MODEL, LevelOrdering.Rule.NONE);
  private static final SegmenterSpec ORDERING_SPEC = new SegmenterSpec(SIZE, SIZE, -1000f, 3000f,
      new float[] {0, 0, 0}, new float[] {1, 1, 1}, MODEL, LevelOrdering.Rule.MONOTONE_V1);
  private static final SegmenterSpec BODY_COUNTING_SPEC = new SegmenterSpec(SIZE, SIZE, -1000f, 3000f,
      new float[] {0, 0, 0}, new float[] {1, 1, 1}, MODEL, LevelOrdering.Rule.MONOTONE_V2);
  /** At most 4 slices in flight at the model. */
  private static final SegmenterConfig CONFIG = new SegmenterConfig(4, 4, Duration.ofMillis(10), Duration.ofMinutes(5),
      Duration.ofHours(1), true, 1024 * 1024, true);
  private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

  /**
   * Stands in for the model: answers each input with {@link #map}, at once, or, while {@link #hold} is set,
   * only when the test completes the future (as a model still running would).
   */
  abstract static class FakeSegmenter implements SliceSegmenter {
    final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    final List<byte[]> answers = new ArrayList<>();
    boolean hold;

    abstract byte[] map(float[] input);

    @Override
    public CompletableFuture<byte[]> submit(float[] input) {
      byte[] answer = map(input);
      CompletableFuture<byte[]> future = hold ? new CompletableFuture<>() : CompletableFuture.completedFuture(answer);
      futures.add(future);
      answers.add(answer);
      return future;
    }

    void complete(int submission) {
      futures.get(submission).complete(answers.get(submission));
    }

    /** The slice index of an input's middle channel: slice k is a constant 100 * k HU. */
    static int index(float[] input, int channel) {
      return Math.round((input[channel * SIZE * SIZE] * 4000f - 1000f) / 100f);
    }
  }

  /**
   * Reads back which slice each channel came from and labels the top half of the mask with (index % 7) + 1,
   * so a test can see the channels and the mapping of boxes.
   */
  static final class ChannelReadingSegmenter extends FakeSegmenter {
    final List<int[]> channels = new ArrayList<>();

    @Override
    byte[] map(float[] input) {
      int pixels = SIZE * SIZE;
      int[] indices = new int[3];
      for (int c = 0; c < 3; c++) {
        indices[c] = index(input, c);
      }
      channels.add(indices);
      byte[] map = new byte[pixels];
      for (int p = 0; p < pixels / 2; p++) {
        map[p] = (byte) (indices[1] % 7 + 1);
      }
      return map;
    }
  }

  /**
   * Stands in for a model that names one slice's level wrongly: slice k (read back from the middle channel,
   * as above) gets the top half of its mask labelled {@code LEVELS[k]}; slice 4, which the model calls C3
   * between two C6 slices, also has its last pixel labelled C6, and the atlas slice (8) one dens pixel (C2)
   * in the bottom half.
   */
  static final class WrongLevelSegmenter extends FakeSegmenter {
    /** By z index, 0 the most inferior: thoracic at the bottom, the atlas at the top. */
    static final int[] LEVELS = {8, 7, 7, 6, 3, 6, 5, 5, 1};

    @Override
    byte[] map(float[] input) {
      int pixels = SIZE * SIZE;
      int index = index(input, 1);
      byte[] map = new byte[pixels];
      for (int p = 0; p < pixels / 2; p++) {
        map[p] = (byte) LEVELS[index];
      }
      if (index == 4) {
        map[pixels - 1] = 6;
      }
      if (index == 8) {
        map[pixels / 2] = 2;
      }
      return map;
    }
  }

  /** Two bodies below C3 both called C4, separated by a slice of few pixels (a disc), as a model might. */
  static final class MergedBodiesSegmenter extends FakeSegmenter {
    /** By z index, 0 the most inferior: the level named and the vertebra pixels of the slice. */
    static final int[] LEVELS = {4, 4, 4, 4, 4, 3, 3, 3, 2};
    static final int[] PIXELS = {128, 128, 8, 128, 128, 8, 128, 128, 128};

    @Override
    byte[] map(float[] input) {
      int index = index(input, 1);
      byte[] map = new byte[SIZE * SIZE];
      for (int p = 0; p < PIXELS[index]; p++) {
        map[p] = (byte) LEVELS[index];
      }
      return map;
    }
  }

  /**
   * Writes the slice indices of its three channels into the mask as pixel counts: c0 + 1 pixels of label 1,
   * c1 + 1 of label 2, c2 + 1 of label 3, so each emitted mask says which neighbours it was computed with.
   */
  static final class NeighbourCountingSegmenter extends FakeSegmenter {
    @Override
    byte[] map(float[] input) {
      byte[] map = new byte[SIZE * SIZE];
      int p = 0;
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k <= index(input, c); k++) {
          map[p++] = (byte) (c + 1);
        }
      }
      return map;
    }

    /** The channel indices a mask was computed from. */
    static int[] channels(SliceMask mask) {
      return mask.getRegions().stream().mapToInt(r -> r.getPixelCount() - 1).toArray();
    }
  }

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
  private final ChannelReadingSegmenter model = new ChannelReadingSegmenter();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> slices;
  private TestInputTopic<String, byte[]> series;
  private TestOutputTopic<String, SliceMask> masks;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void start() {
    serializer.configure(Map.of(), false);
    start(SPEC, model);
  }

  private void start(SegmenterSpec spec, SliceSegmenter segmenter) {
    start(CONFIG, spec, segmenter);
  }

  private void start(SegmenterConfig config, SegmenterSpec spec, SliceSegmenter segmenter) {
    if (driver != null) {
      driver.close();
    }
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "segmenter-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(SegmenterTopology.buildTopology(config, spec, TOPICS, segmenter, registry,
        Map.of()), props, T0);
    slices = driver.createInputTopic(Topics.SLICES.name(), new StringSerializer(), new ByteArraySerializer());
    series = driver.createInputTopic(Topics.SERIES.name(), new StringSerializer(), new ByteArraySerializer());
    masks = driver.createOutputTopic(Topics.MASKS.name(), new StringDeserializer(),
        new AvroDeserializer<>(SliceMask.class, registry));
    deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
        new AvroDeserializer<>(DeadLetter.class, registry));
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  /** Slice of z index k (z position k, constant 100*k HU), 48 rows x 64 columns. */
  private static CtSlice slice(String study, int k) {
    int rows = 48;
    int columns = 64;
    ByteBuffer pixels = ByteBuffer.allocate(rows * columns * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * columns; i++) {
      pixels.putShort((short) (100 * k));
    }
    pixels.flip();
    return CtSlice.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1")
        .setSopInstanceUid(study + ".1." + k).setSopClassUid("1.2.840.10008.5.1.4.1.1.2").setInstanceNumber(100 - k)
        .setZPositionMm(k).setImagePositionPatient(List.of(0.0, 0.0, (double) k))
        .setImageOrientationPatient(List.of(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)).setRows(rows).setColumns(columns)
        .setRowSpacingMm(0.5).setColumnSpacingMm(0.5).setSliceThicknessMm(1.0).setPixels(pixels)
        .setTransferSyntaxUid("1.2.840.10008.1.2.1").setSourceKind(SourceKind.FILE).setSource("test")
        .setReceivedAt(T0).build();
  }

  private static SeriesManifest manifest(String study, int n) {
    return SeriesManifest.newBuilder().setStudyInstanceUid(study).setSeriesInstanceUid(study + ".1").setSliceCount(n)
        .setSopInstanceUids(IntStream.range(0, n).mapToObj(k -> study + ".1." + k).toList())
        .setZPositionsMm(IntStream.range(0, n).mapToObj(k -> (double) k).toList()).setRows(48).setColumns(64)
        .setCompletion(SeriesCompletion.INACTIVITY_TIMEOUT).setSourceKind(SourceKind.DICOM_NETWORK)
        .setFirstReceivedAt(T0).setLastReceivedAt(T0.plusSeconds(2)).setCompletedAt(T0.plusSeconds(12)).build();
  }

  private void sendSlice(String study, int k) {
    slices.pipeInput(study, serializer.serialize(Topics.SLICES.name(), slice(study, k)));
  }

  private void sendManifest(String study, int n) {
    series.pipeInput(study, serializer.serialize(Topics.SERIES.name(), manifest(study, n)));
  }

  private void runPunctuations(int times) {
    for (int i = 0; i < times; i++) {
      driver.advanceWallClockTime(Duration.ofMillis(10));
    }
  }

  @Test
  void shouldFeedEachSliceWithItsZNeighboursRepeatingTheEdges() {
    List<Integer> order = new ArrayList<>(IntStream.range(0, 9).boxed().toList());
    Collections.shuffle(order, new java.util.Random(3));
    order.forEach(k -> sendSlice("1.2.3", k));
    sendSlice("1.2.3", 4); // a duplicate
    sendManifest("1.2.3", 9);
    runPunctuations(5);

    List<SliceMask> out = masks.readValuesToList();
    assertThat(out).extracting(SliceMask::getSliceIndex).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(model.channels).hasSize(9);
    assertThat(model.channels.get(0)).containsExactly(0, 0, 1);
    assertThat(model.channels.get(4)).containsExactly(3, 4, 5);
    assertThat(model.channels.get(8)).containsExactly(7, 8, 8);

    SliceMask third = out.get(3);
    assertThat(third.getSopInstanceUid()).isEqualTo("1.2.3.1.3");
    assertThat(third.getSliceCount()).isEqualTo(9);
    assertThat(third.getMaskRows()).isEqualTo(SIZE);
    assertThat(third.getSegmenter()).isEqualTo(MODEL);
    // Top half of a 16x16 mask is the top half of the 48x64 slice: rows [0,24), columns [0,64).
    assertThat(third.getRegions()).containsExactly(new LabelRegion(4, "C4", 128, new PixelBox(0, 0, 64, 24)));
    assertThat(third.getMask().getLengths()).containsExactly(128, 128);
    assertThat(driver.getKeyValueStore(SliceCollector.SLICE_STORE).approximateNumEntries()).as("state freed").isZero();

    // A slice arriving again after the series is done is recognised and not segmented twice.
    sendSlice("1.2.3", 2);
    sendManifest("1.2.3", 9);
    runPunctuations(3);
    assertThat(masks.isEmpty()).isTrue();
  }

  @Test
  void shouldWaitForEverySliceOfTheManifestAndKeepStudiesApart() {
    sendManifest("1.2.3", 5);
    for (int k = 0; k < 5; k++) {
      if (k != 2) {
        sendSlice("1.2.3", k);
      }
      sendSlice("1.2.4", k);
    }
    runPunctuations(3);
    assertThat(masks.isEmpty()).as("1.2.4 has no manifest, 1.2.3 misses slice 2").isTrue();
    sendManifest("1.2.4", 5);
    runPunctuations(3);
    assertThat(masks.readValuesToList()).hasSize(5).allSatisfy(m -> assertThat(m.getStudyInstanceUid()).isEqualTo("1.2.4"));
    sendSlice("1.2.3", 2);
    runPunctuations(3);
    assertThat(masks.readKeyValuesToList()).hasSize(5).allSatisfy(kv -> assertThat(kv.key).isEqualTo("1.2.3"));
  }

  @Test
  void shouldDeadLetterPoisonAndInvalidSlicesAndStalledSeries() {
    slices.pipeInput("1.2.3", "not avro".getBytes());
    CtSlice broken = slice("1.2.3", 0);
    broken.setPixels(ByteBuffer.wrap(new byte[10]));
    slices.pipeInput("1.2.3", serializer.serialize(Topics.SLICES.name(), broken));
    sendManifest("1.2.3", 3);
    sendSlice("1.2.3", 1);
    driver.advanceWallClockTime(Duration.ofMinutes(6));

    List<DeadLetter> letters = deadLetters.readValuesToList();
    assertThat(letters).extracting(DeadLetter::getReasonCode)
        .containsExactly("UNDESERIALIZABLE_RECORD", "INVALID_RECORD", "SERIES_INCOMPLETE");
    assertThat(letters.get(1).getReason()).contains("48x64 with 10 pixel bytes");
    assertThat(letters.get(2).getReason()).contains("1 of 3 slices in");
    assertThat(masks.isEmpty()).isTrue();
    assertThat(driver.getKeyValueStore(SliceCollector.SLICE_STORE).approximateNumEntries()).isZero();
  }

  @Test
  void shouldEmitMasksOnlyOnceTheWholeSeriesIsSegmentedWithTheLevelsOrdered() {
    start(ORDERING_SPEC, new WrongLevelSegmenter());
    for (int k = 8; k >= 0; k--) {
      sendSlice("1.2.3", k);
    }
    sendManifest("1.2.3", 9);
    // Each punctuation takes back what the model finished and hands it the next (at most 4) slices.
    runPunctuations(2);
    assertThat(masks.isEmpty()).as("4 of 9 slices segmented").isTrue();
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries()).isEqualTo(4);
    runPunctuations(1);
    assertThat(masks.isEmpty()).as("8 of 9 slices segmented").isTrue();
    runPunctuations(1);

    List<SliceMask> out = masks.readValuesToList();
    assertThat(out).extracting(SliceMask::getSliceIndex).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(out).extracting(m -> m.getRegions().get(0).getLabel()).containsExactly(8, 7, 7, 6, 6, 6, 5, 5, 1);
    // The C3 slice between two C6 slices is C6: its 128 + 1 pixels in one region, the union of both boxes.
    assertThat(out.get(4).getRegions()).containsExactly(new LabelRegion(6, "C6", 129, new PixelBox(0, 0, 64, 48)));
    assertThat(out.get(4).getMask().getLengths()).containsExactly(128, 127, 1);
    assertThat(bytes(out.get(4).getMask().getLabels())).containsExactly(6, 0, 6);
    // The atlas keeps its dens.
    assertThat(out.get(8).getRegions()).containsExactly(new LabelRegion(1, "C1", 128, new PixelBox(0, 0, 64, 24)),
        new LabelRegion(2, "C2", 1, new PixelBox(0, 24, 4, 27)));
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries()).as("results freed")
        .isZero();
    assertThat(driver.getKeyValueStore(SliceCollector.SLICE_STORE).approximateNumEntries()).isZero();
  }

  @Test
  void shouldCountTheBodiesBelowC2WhenTheCardAsksForTheSecondRule() {
    for (SegmenterSpec spec : List.of(ORDERING_SPEC, BODY_COUNTING_SPEC)) {
      start(spec, new MergedBodiesSegmenter());
      for (int k = 0; k < 9; k++) {
        sendSlice("1.2.3", k);
      }
      sendManifest("1.2.3", 9);
      runPunctuations(4);
      List<Integer> levels = masks.readValuesToList().stream().map(m -> m.getRegions().get(0).getLabel()).toList();
      if (spec == ORDERING_SPEC) {
        assertThat(levels).as("v1 keeps the merged C4").containsExactly(4, 4, 4, 4, 4, 3, 3, 3, 2);
      } else {
        assertThat(levels).as("v2: the body below the second gap is C5").containsExactly(5, 5, 4, 4, 4, 3, 3, 3, 2);
      }
    }
  }

  @Test
  void shouldLeaveMasksAsTheModelGaveThemWhenTheCardHasNoLevelOrdering() {
    start(SPEC, new WrongLevelSegmenter());
    for (int k = 0; k < 9; k++) {
      sendSlice("1.2.3", k);
    }
    sendManifest("1.2.3", 9);
    runPunctuations(4);

    List<SliceMask> out = masks.readValuesToList();
    assertThat(out).extracting(m -> m.getRegions().get(0).getLabel()).containsExactly(8, 7, 7, 6, 3, 6, 5, 5, 1);
    assertThat(out.get(4).getRegions()).containsExactly(new LabelRegion(3, "C3", 128, new PixelBox(0, 0, 64, 24)),
        new LabelRegion(6, "C6", 1, new PixelBox(60, 45, 64, 48)));
    assertThat(out.get(4).getMask().getLengths()).containsExactly(128, 127, 1);
    assertThat(bytes(out.get(4).getMask().getLabels())).containsExactly(3, 0, 6);
  }

  @Test
  void shouldKeepAtMostMaxInFlightSlicesAtTheModelAndTakeResultsBackInOrder() {
    model.hold = true;
    for (int k = 0; k < 9; k++) {
      sendSlice("1.2.3", k);
    }
    sendManifest("1.2.3", 9);
    runPunctuations(3);
    assertThat(model.futures).as("handed to the model while it runs").hasSize(4);
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries()).isZero();

    model.complete(1);
    runPunctuations(1);
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries())
        .as("slice 1 is done, slice 0 is not: nothing is taken back out of order").isZero();
    assertThat(model.futures).hasSize(4);

    model.complete(0);
    model.complete(2);
    runPunctuations(1);
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries()).isEqualTo(3);
    assertThat(model.futures).as("room for three more").hasSize(7);

    model.hold = false;
    IntStream.range(3, 7).forEach(model::complete);
    runPunctuations(3);
    assertThat(masks.readValuesToList()).extracting(SliceMask::getSliceIndex).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(model.futures).as("every slice handed over exactly once").hasSize(9);
  }

  @Test
  void shouldRetryLaterWhenTheModelFails() {
    model.hold = true;
    for (int k = 0; k < 3; k++) {
      sendSlice("1.2.3", k);
    }
    sendManifest("1.2.3", 3);
    runPunctuations(1);
    model.futures.get(0).completeExceptionally(new IllegalStateException("native error"));
    assertThatThrownBy(() -> runPunctuations(1))
        .satisfies(e -> assertThat(causes(e)).as("%s", e).hasAtLeastOneElementOfType(RetryLaterException.class));
    assertThat(masks.isEmpty()).isTrue();
  }

  @Test
  void shouldSegmentSlicesBeforeTheManifestWhenTheirNeighboursLookFinal() {
    NeighbourCountingSegmenter early = new NeighbourCountingSegmenter();
    start(SPEC, early);
    for (int k = 0; k < 9; k++) {
      sendSlice("1.2.3", k);
    }
    runPunctuations(4);
    assertThat(early.futures).as("the seven inner slices; the edges wait for the manifest").hasSize(7);
    assertThat(driver.getKeyValueStore(SliceCollector.RESULT_STORE).approximateNumEntries()).isEqualTo(7);
    assertThat(masks.isEmpty()).as("no mask before the manifest").isTrue();

    sendManifest("1.2.3", 9);
    runPunctuations(2);
    assertThat(early.futures).as("only the two edges were left").hasSize(9);
    List<SliceMask> out = masks.readValuesToList();
    assertThat(out).extracting(SliceMask::getSliceIndex).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    for (SliceMask mask : out) {
      int i = mask.getSliceIndex();
      assertThat(NeighbourCountingSegmenter.channels(mask)).as("slice %d", i)
          .containsExactly(Math.max(0, i - 1), i, Math.min(8, i + 1));
    }
  }

  @Test
  void shouldSegmentAgainWhatWasSegmentedEarlyWithNeighboursTheManifestDoesNotHave() {
    NeighbourCountingSegmenter early = new NeighbourCountingSegmenter();
    start(SPEC, early);
    for (int k = 0; k < 9; k += 2) {
      sendSlice("1.2.3", k);
    }
    runPunctuations(2);
    assertThat(early.futures).as("2, 4 and 6 look complete with even spacing").hasSize(3);
    for (int k = 1; k < 9; k += 2) {
      sendSlice("1.2.3", k);
    }
    runPunctuations(2);
    assertThat(early.futures).as("the odd slices now; the even ones are not guessed twice").hasSize(7);
    sendManifest("1.2.3", 9);
    runPunctuations(4);

    assertThat(early.futures).as("2, 4 and 6 again, with their true neighbours, and the edges").hasSize(12);
    List<SliceMask> out = masks.readValuesToList();
    assertThat(out).hasSize(9);
    for (SliceMask mask : out) {
      int i = mask.getSliceIndex();
      assertThat(NeighbourCountingSegmenter.channels(mask)).as("slice %d", i)
          .containsExactly(Math.max(0, i - 1), i, Math.min(8, i + 1));
    }
  }

  @Test
  void shouldWaitForTheManifestWhenSegmentingEarlyIsOff() {
    NeighbourCountingSegmenter early = new NeighbourCountingSegmenter();
    SegmenterConfig off = new SegmenterConfig(4, 4, Duration.ofMillis(10), Duration.ofMinutes(5), Duration.ofHours(1),
        false, 1024 * 1024, false);
    driver.close();
    driver = null;
    start(off, SPEC, early);
    for (int k = 0; k < 9; k++) {
      sendSlice("1.2.3", k);
    }
    runPunctuations(3);
    assertThat(early.futures).isEmpty();
    sendManifest("1.2.3", 9);
    runPunctuations(4);
    assertThat(early.futures).hasSize(9);
    assertThat(masks.readValuesToList()).hasSize(9);
  }

  private static List<Throwable> causes(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable e = error; e != null && !chain.contains(e); e = e.getCause()) {
      chain.add(e);
    }
    return chain;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
