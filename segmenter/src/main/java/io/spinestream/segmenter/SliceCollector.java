package io.spinestream.segmenter;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.streams.Decoded;
import io.spinestream.common.streams.InFlight;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
  private static final int RECENT_SLICES = 8;

  /** A slice in flight: its series (and the epoch of that series' submission), z index and original size. */
  private record Pending(String seriesKey, long epoch, int index, int rows, int columns) {}

  /**
   * Submission state of a series, in memory. A series dropped or restarted gets a new epoch when it is
   * submitted again, so results still in flight for its old incarnation are recognised and ignored.
   */
  private static final class Submitted {
    final long epoch;
    int upTo;

    Submitted(long epoch) {
      this.epoch = epoch;
    }
  }

  private final SegmenterConfig config;
  private final SegmenterSpec spec;
  private final SegmenterTopics topics;
  private final SliceSegmenter segmenter;
  private final PoisonGuard<CtSlice> sliceGuard;
  private final PoisonGuard<SeriesManifest> manifestGuard;
  private final Set<String> ready = new LinkedHashSet<>();
  /** Slices handed to the model, in submission order; in memory only (see {@link InFlight}). */
  private final InFlight<Pending, byte[]> inFlight = new InFlight<>();
  /** Per series being segmented: how far submission got, and the epoch that tells its results from stale ones. */
  private final Map<String, Submitted> submitted = new HashMap<>();
  private final Map<String, PreparedSlice> recent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedSlice> eldest) {
      return size() > RECENT_SLICES;
    }
  };
  private long nextEpoch;
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
  public void close() {
    // The workers finish what is queued; nobody takes it back. Whoever owns the task next resubmits from
    // the committed progress.
    inFlight.clear();
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
      recent.remove(sliceKey);
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
      if (progress.hasManifest() && !progress.sopInstanceUids.equals(manifest.getSopInstanceUids())
          && progress.next > 0) {
        // A later, cumulative manifest (the producer reopened the series): the z order and so the
        // neighbours changed, and no mask has left yet, so the series is segmented again from the start.
        LOG.info("series {}: the manifest changed while it was being segmented ({} -> {} slices); starting again",
            progress.seriesUid, progress.sliceCount(), manifest.getSliceCount());
        deleteResults(seriesKey);
        submitted.remove(seriesKey);
        progress.next = 0;
      }
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
    if (progress.ready() && ready.add(seriesKey)) {
      LOG.info("series {} ready: {} slices in z order, {} segmented before", progress.seriesUid,
          progress.sliceCount(), progress.next);
    }
  }

  private static Set<String> manifestUids(SeriesProgress progress) {
    return new HashSet<>(progress.sopInstanceUids);
  }

  private void punctuate(long now) {
    harvest(now);
    submit();
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      sweep(now);
    }
  }

  /**
   * Takes back what the model has finished, in submission order: each slice's regions (and run-length map)
   * are stored with the series' progress; a series whose last slice is done is released. Results of a
   * series that was dropped or restarted meanwhile are stale and ignored.
   */
  void harvest(long now) {
    List<InFlight.Done<Pending, byte[]>> done = inFlight.harvest();
    if (done.isEmpty()) {
      return;
    }
    Map<String, SeriesProgress> touched = new LinkedHashMap<>();
    for (InFlight.Done<Pending, byte[]> item : done) {
      Pending pending = item.work();
      Submitted submitted = this.submitted.get(pending.seriesKey());
      if (submitted == null || submitted.epoch != pending.epoch()) {
        continue;
      }
      SeriesProgress progress = touched.computeIfAbsent(pending.seriesKey(), series::get);
      if (progress == null || progress.next != pending.index()) {
        continue;
      }
      byte[] map = item.result();
      results.put(resultKey(pending.seriesKey(), pending.index()), new SegmentedSlice(pending.rows(),
          pending.columns(), MaskRegions.of(map, spec.height(), spec.width(), pending.rows(), pending.columns()),
          config.emitRunLengthMask() ? MaskRegions.runLength(map) : null));
      progress.next = pending.index() + 1;
    }
    touched.forEach((seriesKey, progress) -> {
      if (progress == null) {
        return;
      }
      if (progress.next >= progress.sliceCount()) {
        release(seriesKey, progress, now);
      } else {
        progress.updatedAt = now;
        series.put(seriesKey, progress);
      }
    });
  }

  /**
   * Hands the next slices of ready series (in series order, each in z order) to the model until
   * {@code maxInFlight} are in flight. Never waits for the model: the results are taken back by a later
   * punctuation, so the stream thread goes on reading and storing slices while the model runs.
   */
  void submit() {
    int room = config.maxInFlight() - inFlight.size();
    for (String seriesKey : List.copyOf(ready)) {
      if (room <= 0) {
        return;
      }
      SeriesProgress progress = series.get(seriesKey);
      if (progress == null || !progress.ready()) {
        ready.remove(seriesKey);
        continue;
      }
      Submitted submitted = this.submitted.computeIfAbsent(seriesKey, k -> new Submitted(nextEpoch++));
      for (int i = Math.max(progress.next, submitted.upTo); i < progress.sliceCount() && room > 0; i++, room--) {
        PreparedSlice slice = prepared(seriesKey, progress.sopInstanceUids.get(i));
        float[] input = input(seriesKey, progress, i);
        inFlight.add(new Pending(seriesKey, submitted.epoch, i, slice.rows(), slice.columns()),
            segmenter.submit(input));
        submitted.upTo = i + 1;
      }
    }
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
      float[] windowed = prepared(seriesKey, progress.sopInstanceUids.get(index)).windowed();
      float mean = spec.mean()[c];
      float std = spec.std()[c];
      for (int p = 0; p < pixels; p++) {
        input[c * pixels + p] = (windowed[p] - mean) / std;
      }
    }
    return input;
  }

  /**
   * A stored slice, through a small cache: slice i's input reads slices i-1, i and i+1, so consecutive
   * inputs share two of their three reads (100 KB each at 160x160).
   */
  private PreparedSlice prepared(String seriesKey, String sop) {
    String sliceKey = seriesKey + "/" + sop;
    PreparedSlice slice = recent.get(sliceKey);
    if (slice == null) {
      slice = slices.get(sliceKey);
      recent.put(sliceKey, slice);
    }
    return slice;
  }

  private void forget(String seriesKey) {
    recent.clear();
    submitted.remove(seriesKey);
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, PreparedSlice> sliceEntries = slices.prefixScan(seriesKey + "/", new StringSerializer())) {
      sliceEntries.forEachRemaining(entry -> keys.add(entry.key));
    }
    keys.forEach(slices::delete);
    deleteResults(seriesKey);
    series.delete(seriesKey);
    ready.remove(seriesKey);
  }

  private void deleteResults(String seriesKey) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, SegmentedSlice> entries = results.prefixScan(seriesKey + "/", new StringSerializer())) {
      entries.forEachRemaining(entry -> keys.add(entry.key));
    }
    keys.forEach(results::delete);
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
