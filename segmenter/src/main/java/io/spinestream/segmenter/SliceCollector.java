package io.spinestream.segmenter;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.streams.Decoded;
import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.RunLengthMask;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps a series' slices (prepared for the model) until its manifest says the z order and every slice of
 * it is in; then segments the series in batches, slice i with its z neighbours i-1 and i+1 as channels
 * (the edge slice repeated at both ends), keeps each slice's result, and once the last slice is segmented
 * applies the card's level ordering over the whole series ({@link LevelOrdering}), emits one
 * {@link SliceMask} per slice in z order and frees the series. Slices may come in any order, twice, and
 * interleaved across studies: state is keyed by series and SOP Instance UID. Segmentation runs in a
 * wall-clock punctuator one batch at a time, so a long series never holds one transaction open for long,
 * and progress (the next index) is stored with the results it produced: after a crash, segmentation
 * resumes where the last committed transaction left it.
 */
final class SliceCollector implements Processor<String, byte[], String, SpecificRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(SliceCollector.class);
  static final String STAGE = "segmenter";
  static final String SLICE_STORE = "segmenter-slices";
  static final String SERIES_STORE = "segmenter-series";
  static final String COMPLETED_STORE = "segmenter-completed";
  static final String RESULT_STORE = "segmenter-results";
  static final String MASKS_SINK = "masks-sink";
  static final String DEAD_LETTER_SINK = "dead-letter-sink";
  private static final long SWEEP_EVERY_MS = 1_000;

  private final SegmenterConfig config;
  private final SegmenterSpec spec;
  private final SegmenterTopics topics;
  private final SliceSegmenter segmenter;
  private final PoisonGuard<CtSlice> sliceGuard;
  private final PoisonGuard<SeriesManifest> manifestGuard;
  private final Set<String> ready = new LinkedHashSet<>();
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, PreparedSlice> slices;
  private KeyValueStore<String, SeriesProgress> series;
  private KeyValueStore<String, Long> completed;
  private KeyValueStore<String, SegmentedSlice> results;
  private long lastSweep;

  SliceCollector(SegmenterConfig config, SegmenterSpec spec, SegmenterTopics topics, SliceSegmenter segmenter,
      PoisonGuard<CtSlice> sliceGuard, PoisonGuard<SeriesManifest> manifestGuard) {
    this.config = config;
    this.spec = spec;
    this.topics = topics;
    this.segmenter = segmenter;
    this.sliceGuard = sliceGuard;
    this.manifestGuard = manifestGuard;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.slices = context.getStateStore(SLICE_STORE);
    this.series = context.getStateStore(SERIES_STORE);
    this.completed = context.getStateStore(COMPLETED_STORE);
    this.results = context.getStateStore(RESULT_STORE);
    // After a restart the ready queue is rebuilt from the store: it is only an index of the store.
    try (KeyValueIterator<String, SeriesProgress> all = series.all()) {
      all.forEachRemaining(entry -> {
        if (entry.value.ready()) {
          ready.add(entry.key);
        }
      });
    }
    context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Optional<RecordMetadata> metadata = context.recordMetadata();
    if (metadata.map(RecordMetadata::topic).orElse("").equals(topics.slices().name())) {
      Decoded<CtSlice> decoded = sliceGuard.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Poison<CtSlice> poison) {
        deadLetter(record.key(), poison.deadLetter(), record.timestamp());
      } else {
        onSlice(record, ((Decoded.Value<CtSlice>) decoded).value());
      }
    } else {
      Decoded<SeriesManifest> decoded = manifestGuard.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Poison<SeriesManifest> poison) {
        deadLetter(record.key(), poison.deadLetter(), record.timestamp());
      } else {
        onManifest(record, ((Decoded.Value<SeriesManifest>) decoded).value());
      }
    }
  }

  private void onSlice(Record<String, byte[]> record, CtSlice slice) {
    MDC.put("study", slice.getStudyInstanceUid());
    try {
      int rows = slice.getRows();
      int columns = slice.getColumns();
      if (rows <= 0 || columns <= 0 || (long) rows * columns > config.maxPixels()
          || slice.getPixels().remaining() != rows * columns * 2) {
        deadLetter(record.key(), invalid(record, String.format("slice %s: %dx%d with %d pixel bytes (limit %d pixels)",
            slice.getSopInstanceUid(), rows, columns, slice.getPixels().remaining(), config.maxPixels())),
            record.timestamp());
        return;
      }
      String seriesKey = key(slice.getStudyInstanceUid(), slice.getSeriesInstanceUid());
      if (completed.get(seriesKey) != null) {
        LOG.info("slice {} arrived after series {} was segmented: ignored", slice.getSopInstanceUid(),
            slice.getSeriesInstanceUid());
        return;
      }
      String sliceKey = seriesKey + "/" + slice.getSopInstanceUid();
      boolean isNew = slices.get(sliceKey) == null;
      slices.put(sliceKey, prepare(slice));
      SeriesProgress progress = progress(seriesKey, slice.getStudyInstanceUid(), slice.getSeriesInstanceUid());
      if (isNew && (!progress.hasManifest() || manifestUids(progress).contains(slice.getSopInstanceUid()))) {
        progress.received++;
      }
      save(seriesKey, progress);
    } finally {
      MDC.remove("study");
    }
  }

  private void onManifest(Record<String, byte[]> record, SeriesManifest manifest) {
    MDC.put("study", manifest.getStudyInstanceUid());
    try {
      if (manifest.getSliceCount() <= 0 || manifest.getSopInstanceUids().size() != manifest.getSliceCount()) {
        deadLetter(record.key(), invalid(record, "manifest lists " + manifest.getSopInstanceUids().size()
            + " SOP Instance UIDs for " + manifest.getSliceCount() + " slices"), record.timestamp());
        return;
      }
      String seriesKey = key(manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
      if (completed.get(seriesKey) != null) {
        LOG.info("manifest of series {} arrived again after it was segmented: ignored",
            manifest.getSeriesInstanceUid());
        return;
      }
      SeriesProgress progress = progress(seriesKey, manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
      progress.add(manifest);
      int present = 0;
      for (String uid : progress.sopInstanceUids) {
        if (slices.get(seriesKey + "/" + uid) != null) {
          present++;
        }
      }
      progress.received = present;
      save(seriesKey, progress);
    } finally {
      MDC.remove("study");
    }
  }

  private PreparedSlice prepare(CtSlice slice) {
    ByteBuffer pixels = slice.getPixels().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    short[] hu = new short[slice.getRows() * slice.getColumns()];
    pixels.asShortBuffer().get(hu);
    float[] windowed = Preprocess.windowAndResize(hu, slice.getColumns(), 0, 0, slice.getColumns(), slice.getRows(),
        spec.huLow(), spec.huHigh(), spec.height(), spec.width());
    return new PreparedSlice(slice.getSopInstanceUid(), slice.getRows(), slice.getColumns(), windowed);
  }

  private SeriesProgress progress(String seriesKey, String study, String seriesUid) {
    SeriesProgress progress = series.get(seriesKey);
    return progress != null ? progress : new SeriesProgress(study, seriesUid);
  }

  private void save(String seriesKey, SeriesProgress progress) {
    progress.updatedAt = context.currentSystemTimeMs();
    series.put(seriesKey, progress);
    if (progress.ready()) {
      ready.add(seriesKey);
    }
  }

  private static Set<String> manifestUids(SeriesProgress progress) {
    return new HashSet<>(progress.sopInstanceUids);
  }

  private void punctuate(long now) {
    segmentOneBatch(now);
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      sweep(now);
    }
  }

  /**
   * Segments up to batchSize slices of ready series, in series order, and keeps each slice's regions (and
   * run-length map) with the series' progress; a series whose last slice is done is released.
   */
  void segmentOneBatch(long now) {
    record Work(String seriesKey, SeriesProgress progress, int index) {}
    List<Work> work = new ArrayList<>();
    List<float[]> inputs = new ArrayList<>();
    for (String seriesKey : List.copyOf(ready)) {
      SeriesProgress progress = series.get(seriesKey);
      if (progress == null || !progress.ready()) {
        ready.remove(seriesKey);
        continue;
      }
      for (int i = progress.next; i < progress.sliceCount() && work.size() < config.batchSize(); i++) {
        work.add(new Work(seriesKey, progress, i));
        inputs.add(input(seriesKey, progress, i));
      }
      if (work.size() >= config.batchSize()) {
        break;
      }
    }
    if (work.isEmpty()) {
      return;
    }
    List<byte[]> labels = segmenter.segment(inputs);
    for (int w = 0; w < work.size(); w++) {
      Work item = work.get(w);
      SeriesProgress progress = item.progress();
      PreparedSlice slice = slices.get(item.seriesKey() + "/" + progress.sopInstanceUids.get(item.index()));
      byte[] map = labels.get(w);
      results.put(resultKey(item.seriesKey(), item.index()), new SegmentedSlice(slice.rows(), slice.columns(),
          MaskRegions.of(map, spec.height(), spec.width(), slice.rows(), slice.columns()),
          config.emitRunLengthMask() ? MaskRegions.runLength(map) : null));
      progress.next = item.index() + 1;
    }
    java.util.Map<String, SeriesProgress> touched = new java.util.LinkedHashMap<>();
    work.forEach(item -> touched.put(item.seriesKey(), item.progress()));
    touched.forEach((seriesKey, progress) -> {
      if (progress.next >= progress.sliceCount()) {
        release(seriesKey, progress, now);
      } else {
        progress.updatedAt = now;
        series.put(seriesKey, progress);
      }
    });
  }

  /**
   * Every slice of the series is segmented: applies the level ordering when the card asks for it, emits one
   * SliceMask per slice in z order, and frees the series. Runs in the transaction that stored the last
   * slice's result, so the masks leave exactly once.
   */
  private void release(String seriesKey, SeriesProgress progress, long now) {
    MDC.put("study", progress.studyUid);
    try {
      int n = progress.sliceCount();
      List<SegmentedSlice> segmented = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        segmented.add(results.get(resultKey(seriesKey, i)));
      }
      int missing = (int) segmented.stream().filter(java.util.Objects::isNull).count();
      int[] states = null;
      if (spec.orderLevels() && missing == 0) {
        states = LevelOrdering.statesOfRegions(segmented.stream().map(SegmentedSlice::regions).toList());
      } else if (missing > 0) {
        // Only state written by a version that emitted masks batch by batch can lack results: those masks are
        // out already, so the rest go as the model gave them rather than ordered against half a series.
        LOG.warn("series {}: {} of {} masks were emitted before this version ran; the other {} are emitted"
            + " without the level ordering", progress.seriesUid, missing, n, n - missing);
      }
      Instant processedAt = Instant.ofEpochMilli(now);
      for (int i = 0; i < n; i++) {
        SegmentedSlice result = segmented.get(i);
        if (result == null) {
          continue;
        }
        String sop = progress.sopInstanceUids.get(i);
        List<LabelRegion> regions = result.regions();
        RunLengthMask mask = result.mask();
        if (states != null) {
          regions = LevelOrdering.apply(regions, states[i]);
          mask = mask == null ? null : LevelOrdering.apply(mask, states[i]);
        }
        SliceMask sliceMask = SliceMask.newBuilder()
            .setStudyInstanceUid(progress.studyUid)
            .setSeriesInstanceUid(progress.seriesUid)
            .setSopInstanceUid(sop)
            .setSliceIndex(i)
            .setSliceCount(n)
            .setRows(result.rows())
            .setColumns(result.columns())
            .setMaskRows(spec.height())
            .setMaskColumns(spec.width())
            .setRegions(regions)
            .setMask(mask)
            .setSegmenter(spec.model())
            .setSeriesFirstReceivedAt(Instant.ofEpochMilli(progress.firstReceivedAt))
            .setSeriesLastReceivedAt(Instant.ofEpochMilli(progress.lastReceivedAt))
            .setProcessedAt(processedAt)
            .build();
        context.forward(new Record<String, SpecificRecord>(progress.studyUid, sliceMask, now), MASKS_SINK);
      }
      LOG.info("series {} segmented: {} slices{}", progress.seriesUid, n,
          states != null ? ", levels ordered (" + LevelOrdering.NAME + ")" : "");
      forget(seriesKey);
      completed.put(seriesKey, now);
    } finally {
      MDC.remove("study");
    }
  }

  /** Results are keyed by z index, zero-padded so that a prefix scan meets them in z order. */
  static String resultKey(String seriesKey, int index) {
    return String.format("%s/%08d", seriesKey, index);
  }

  /** The 2.5D input of slice i: channels i-1, i, i+1 (clamped to the series), normalised per channel. */
  private float[] input(String seriesKey, SeriesProgress progress, int i) {
    int n = progress.sliceCount();
    int pixels = spec.height() * spec.width();
    float[] input = new float[3 * pixels];
    for (int c = 0; c < 3; c++) {
      int index = Math.max(0, Math.min(n - 1, i - 1 + c));
      float[] windowed = slices.get(seriesKey + "/" + progress.sopInstanceUids.get(index)).windowed();
      float mean = spec.mean()[c];
      float std = spec.std()[c];
      for (int p = 0; p < pixels; p++) {
        input[c * pixels + p] = (windowed[p] - mean) / std;
      }
    }
    return input;
  }

  private void forget(String seriesKey) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, PreparedSlice> sliceEntries = slices.prefixScan(seriesKey + "/", new StringSerializer())) {
      sliceEntries.forEachRemaining(entry -> keys.add(entry.key));
    }
    keys.forEach(slices::delete);
    List<String> resultKeys = new ArrayList<>();
    try (KeyValueIterator<String, SegmentedSlice> entries = results.prefixScan(seriesKey + "/", new StringSerializer())) {
      entries.forEachRemaining(entry -> resultKeys.add(entry.key));
    }
    resultKeys.forEach(results::delete);
    series.delete(seriesKey);
    ready.remove(seriesKey);
  }

  /** Dead-letters series that stopped progressing; forgets finished series after their retention. */
  private void sweep(long now) {
    List<KeyValue<String, SeriesProgress>> stale = new ArrayList<>();
    try (KeyValueIterator<String, SeriesProgress> all = series.all()) {
      all.forEachRemaining(entry -> {
        if (!entry.value.ready() && now - entry.value.updatedAt >= config.seriesTimeout().toMillis()) {
          stale.add(entry);
        }
      });
    }
    for (KeyValue<String, SeriesProgress> entry : stale) {
      SeriesProgress progress = entry.value;
      String reason = String.format("series %s of study %s incomplete after %d s without progress: %s",
          progress.seriesUid, progress.studyUid, config.seriesTimeout().toSeconds(), progress.describe());
      LOG.warn(reason);
      deadLetter(progress.studyUid, DeadLetters.forInput(STAGE, "SERIES_INCOMPLETE", reason, null,
          topics.slices().name() + " + " + topics.series().name(), progress.studyUid, -1, null), now);
      forget(entry.key);
    }
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = completed.all()) {
      all.forEachRemaining(entry -> {
        if (now - entry.value >= config.completedRetention().toMillis()) {
          expired.add(entry.key);
        }
      });
    }
    expired.forEach(completed::delete);
  }

  private DeadLetter invalid(Record<String, byte[]> record, String reason) {
    Optional<RecordMetadata> metadata = context.recordMetadata();
    return DeadLetters.forRecord(STAGE, "INVALID_RECORD", reason, null, metadata.map(RecordMetadata::topic).orElse(""),
        metadata.map(RecordMetadata::partition).orElse(-1), metadata.map(RecordMetadata::offset).orElse(-1L),
        record.key(), record.value());
  }

  private void deadLetter(String key, DeadLetter letter, long timestamp) {
    LOG.warn("dead-lettered {}: {} {}", letter.getSource(), letter.getReasonCode(), letter.getReason());
    context.forward(new Record<String, SpecificRecord>(key != null ? key : letter.getSource(), letter, timestamp),
        DEAD_LETTER_SINK);
  }

  static String key(String study, String seriesUid) {
    return study + "/" + seriesUid;
  }
}
