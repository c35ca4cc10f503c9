package io.spinestream.segmenter;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.streams.Decoded;
import io.spinestream.common.streams.InFlight;
import io.spinestream.common.streams.InFlightBudget;
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
import java.util.ArrayDeque;
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
 * it is in; segments slice i with its z neighbours i-1 and i+1 as channels (the edge slice repeated at both
 * ends), keeps each slice's result, and once every slice has a result computed with its manifest neighbours
 * applies the card's level ordering over the whole series ({@link LevelOrdering}), emits one
 * {@link SliceMask} per slice in z order and frees the series. Slices may come in any order, twice, and
 * interleaved across studies: state is keyed by series and SOP Instance UID.
 *
 * <p>The model runs beside the stream thread: a wall-clock punctuator hands it inputs and takes the results
 * back at a later run ({@link InFlight}), so a transaction never waits for inference, and results and
 * progress are stored together: after a crash, segmentation resumes from the last committed transaction.
 * While a series waits for its manifest, slices whose neighbours by z position look final are segmented
 * already ({@link ArrivalOrder}); such a result is used only if its neighbours are the manifest's.
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

  /**
   * A slice in flight: its series (and the epoch of that series' work), the slices used as its channels 0
   * and 2, and its original size.
   */
  private record Pending(String seriesKey, long epoch, String sop, ArrivalOrder.Neighbours neighbours, int rows,
      int columns) {}

  /** A slice's input, built and waiting to be handed over with the others of its punctuation. */
  private record Prepared(Pending pending, float[] input) {}

  /**
   * What is being done for a series, in memory only: rebuilt from the stores after a restart, except the
   * arrival order, which starts empty again (segmenting before the manifest is best effort). A series
   * dropped or restarted gets a new epoch, so results still in flight for its old incarnation are ignored.
   */
  private static final class SeriesWork {
    final long epoch;
    /** With the manifest: indices below were handed to the model or found already segmented. */
    int upTo;
    boolean manifestSeen;
    /** For the log: results taken back before the manifest came. */
    int doneBeforeManifest;
    final ArrivalOrder arrivals = new ArrivalOrder();
    /** Slices whose neighbours changed since they were last looked at (segmenting before the manifest). */
    final ArrayDeque<String> candidates = new ArrayDeque<>();
    final Set<String> segmentedEarly = new HashSet<>();
    /** Slices in flight and the neighbours their input used. */
    final Map<String, ArrivalOrder.Neighbours> inFlight = new HashMap<>();
    /**
     * The series' progress as last stored (this processor is its only writer), so the punctuator need not
     * decode it from the store every 10 ms; null until first read or written.
     */
    SeriesProgress progress;
    /** Slices known to be in the slice store, so that checking does not read a 100 KB value back. */
    final Set<String> stored = new HashSet<>();

    SeriesWork(long epoch) {
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
  private final InFlight<Pending, byte[]> inFlight;
  private final Map<String, SeriesWork> work = new LinkedHashMap<>();
  /** Inputs prepared by a punctuation, handed to the model together at its end. */
  private final List<Prepared> handOver = new ArrayList<>();
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
      InFlightBudget budget, PoisonGuard<CtSlice> sliceGuard, PoisonGuard<SeriesManifest> manifestGuard) {
    this.inFlight = new InFlight<>(budget);
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
      boolean isNew = !isStored(seriesKey, slice.getSopInstanceUid());
      slices.put(sliceKey, prepare(slice));
      work(seriesKey).stored.add(slice.getSopInstanceUid());
      recent.remove(sliceKey);
      SeriesProgress progress = progress(seriesKey, slice.getStudyInstanceUid(), slice.getSeriesInstanceUid());
      if (config.segmentBeforeManifest() && !progress.hasManifest()) {
        SeriesWork series = work(seriesKey);
        series.candidates.addAll(series.arrivals.add(slice.getSopInstanceUid(), slice.getZPositionMm()));
      }
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
      if (progress.hasManifest() && !progress.sopInstanceUids.equals(manifest.getSopInstanceUids())) {
        // A later, cumulative manifest (the producer reopened the series) while no mask has left yet: the z
        // order changed, so progress starts again; results whose neighbours are still right are kept.
        LOG.info("series {}: the manifest changed before its masks left ({} -> {} slices)", progress.seriesUid,
            progress.sliceCount(), manifest.getSliceCount());
        work.remove(seriesKey);
        progress.next = 0;
      }
      progress.add(manifest);
      SeriesWork started = work(seriesKey);
      started.manifestSeen = true;
      started.candidates.clear();
      int present = 0;
      for (String uid : progress.sopInstanceUids) {
        if (isStored(seriesKey, uid)) {
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
    SeriesProgress progress = loadProgress(seriesKey);
    return progress != null ? progress : new SeriesProgress(study, seriesUid);
  }

  /** The stored progress of a series, null if there is none. */
  private SeriesProgress loadProgress(String seriesKey) {
    SeriesWork known = work.get(seriesKey);
    if (known != null && known.progress != null) {
      return known.progress;
    }
    SeriesProgress progress = series.get(seriesKey);
    if (progress != null) {
      work(seriesKey).progress = progress;
    }
    return progress;
  }

  private void storeProgress(String seriesKey, SeriesProgress progress) {
    series.put(seriesKey, progress);
    work(seriesKey).progress = progress;
  }

  private boolean isStored(String seriesKey, String sop) {
    SeriesWork series = work(seriesKey);
    if (series.stored.contains(sop)) {
      return true;
    }
    if (slices.get(seriesKey + "/" + sop) != null) {
      series.stored.add(sop);
      return true;
    }
    return false;
  }

  private void save(String seriesKey, SeriesProgress progress) {
    progress.updatedAt = context.currentSystemTimeMs();
    storeProgress(seriesKey, progress);
    if (progress.ready() && ready.add(seriesKey)) {
      LOG.info("series {} ready: manifest and all {} slices in", progress.seriesUid, progress.sliceCount());
    }
  }

  private static Set<String> manifestUids(SeriesProgress progress) {
    return new HashSet<>(progress.sopInstanceUids);
  }

  private void punctuate(long now) {
    harvest(now);
    submit(now);
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      sweep(now);
    }
  }

  private SeriesWork work(String seriesKey) {
    return work.computeIfAbsent(seriesKey, k -> new SeriesWork(nextEpoch++));
  }

  /**
   * Takes back what the model has finished, in submission order, and stores each slice's result (regions,
   * run-length map, the neighbours it was computed with); a ready series whose every slice now has a valid
   * result is released. Results of a series dropped or restarted meanwhile are stale and ignored.
   */
  void harvest(long now) {
    List<InFlight.Done<Pending, byte[]>> done = inFlight.harvest();
    Set<String> touched = new LinkedHashSet<>();
    for (InFlight.Done<Pending, byte[]> item : done) {
      Pending pending = item.work();
      SeriesWork series = work.get(pending.seriesKey());
      if (series == null || series.epoch != pending.epoch()) {
        continue;
      }
      if (pending.neighbours().equals(series.inFlight.get(pending.sop()))) {
        series.inFlight.remove(pending.sop());
      }
      byte[] map = item.result();
      results.put(resultKey(pending.seriesKey(), pending.sop()), new SegmentedSlice(pending.rows(), pending.columns(),
          pending.neighbours().below(), pending.neighbours().above(),
          MaskRegions.of(map, spec.height(), spec.width(), pending.rows(), pending.columns()),
          config.emitRunLengthMask() ? MaskRegions.runLength(map) : null));
      touched.add(pending.seriesKey());
      if (!series.manifestSeen) {
        series.doneBeforeManifest++;
      }
    }
    for (String seriesKey : touched) {
      if (!ready.contains(seriesKey)) {
        continue;
      }
      SeriesProgress progress = loadProgress(seriesKey);
      if (progress != null && progress.ready() && advance(seriesKey, progress)) {
        finishOrSave(seriesKey, progress, now);
      }
    }
  }

  /**
   * Hands slices to the model while the service's in-flight budget has room, never waiting for it (the results
   * are taken back by a later punctuation, so the stream thread goes on reading and storing slices while
   * the model runs). First the series that have their manifest and every slice, in z order, skipping
   * slices already segmented with the right neighbours; then, with what room is left, slices of series
   * still waiting for their manifest whose neighbours by arrival look final ({@link ArrivalOrder}).
   */
  void submit(long now) {
    submitReady(now);
    handOver();
  }

  private void submitReady(long now) {
    boolean room = true;
    for (String seriesKey : List.copyOf(ready)) {
      SeriesProgress progress = loadProgress(seriesKey);
      if (progress == null || !progress.ready()) {
        ready.remove(seriesKey);
        continue;
      }
      if (advance(seriesKey, progress) && finishOrSave(seriesKey, progress, now)) {
        continue;
      }
      SeriesWork series = work(seriesKey);
      int n = progress.sliceCount();
      for (int i = Math.max(progress.next, series.upTo); i < n && room; i++) {
        String sop = progress.sopInstanceUids.get(i);
        ArrivalOrder.Neighbours neighbours = manifestNeighbours(progress, i);
        SegmentedSlice result = results.get(resultKey(seriesKey, sop));
        if ((result == null || !result.computedWith(neighbours)) && !neighbours.equals(series.inFlight.get(sop))) {
          room = inFlight.tryReserve();
          if (!room) {
            break;
          }
          hand(seriesKey, series, sop, neighbours);
        }
        series.upTo = i + 1;
      }
    }
    if (!config.segmentBeforeManifest()) {
      return;
    }
    for (Map.Entry<String, SeriesWork> entry : work.entrySet()) {
      SeriesWork series = entry.getValue();
      while (room && !series.manifestSeen && !series.candidates.isEmpty()) {
        String sop = series.candidates.peek();
        ArrivalOrder.Neighbours neighbours = series.arrivals.likelyNeighbours(sop);
        if (neighbours == null || series.segmentedEarly.contains(sop)) {
          series.candidates.poll();
          continue;
        }
        room = inFlight.tryReserve();
        if (room) {
          series.candidates.poll();
          series.segmentedEarly.add(sop);
          hand(entry.getKey(), series, sop, neighbours);
        }
      }
    }
  }

  /** Prepares a slice's input for {@link #handOver}, in room already reserved. */
  private void hand(String seriesKey, SeriesWork series, String sop, ArrivalOrder.Neighbours neighbours) {
    PreparedSlice centre = prepared(seriesKey, sop);
    float[] input = input(seriesKey, neighbours.below(), sop, neighbours.above());
    handOver.add(new Prepared(new Pending(seriesKey, series.epoch, sop, neighbours, centre.rows(),
        centre.columns()), input));
    series.inFlight.put(sop, neighbours);
    if (handOver.size() >= config.batchSize()) {
      handOver();
    }
  }

  /**
   * Hands the prepared inputs to the model together, a batch at a time, so that they fill batches: the
   * predictor waits only a few milliseconds from an item's arrival for the rest of its batch.
   */
  private void handOver() {
    for (Prepared item : handOver) {
      inFlight.add(item.pending(), segmenter.submit(item.input()));
    }
    handOver.clear();
  }

  /** Slice i's neighbours in the manifest's z order, the edge slice standing in for the missing one. */
  private static ArrivalOrder.Neighbours manifestNeighbours(SeriesProgress progress, int i) {
    int last = progress.sliceCount() - 1;
    return new ArrivalOrder.Neighbours(progress.sopInstanceUids.get(Math.max(0, i - 1)),
        progress.sopInstanceUids.get(Math.min(last, i + 1)));
  }

  /** Moves the progress past every slice that has a result computed with its manifest neighbours. */
  private boolean advance(String seriesKey, SeriesProgress progress) {
    int before = progress.next;
    while (progress.next < progress.sliceCount()) {
      SegmentedSlice result = results.get(resultKey(seriesKey, progress.sopInstanceUids.get(progress.next)));
      if (result == null || !result.computedWith(manifestNeighbours(progress, progress.next))) {
        break;
      }
      progress.next++;
    }
    return progress.next != before;
  }

  /** Releases a series whose every slice is segmented (true), or stores its progress (false). */
  private boolean finishOrSave(String seriesKey, SeriesProgress progress, long now) {
    if (progress.next >= progress.sliceCount()) {
      release(seriesKey, progress, now);
      return true;
    }
    progress.updatedAt = now;
    storeProgress(seriesKey, progress);
    return false;
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
        segmented.add(results.get(resultKey(seriesKey, progress.sopInstanceUids.get(i))));
      }
      int missing = (int) segmented.stream().filter(java.util.Objects::isNull).count();
      int[] states = null;
      if (spec.levelOrdering() != LevelOrdering.Rule.NONE && missing == 0) {
        states = LevelOrdering.statesOfRegions(segmented.stream().map(SegmentedSlice::regions).toList(),
            spec.levelOrdering());
      } else if (missing > 0) {
        // Only state written by a version that emitted masks batch by batch (progress past slices without a
        // stored result) can lack results: those masks are out already, so the rest go as the model gave
        // them rather than ordered against half a series.
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
      SeriesWork work = this.work.get(seriesKey);
      LOG.info("series {} segmented: {} slices ({} segmented before the manifest came){}", progress.seriesUid, n,
          work == null ? 0 : work.doneBeforeManifest,
          states != null ? ", levels ordered (" + spec.levelOrdering().cardName() + ")" : "");
      forget(seriesKey);
      completed.put(seriesKey, now);
    } finally {
      MDC.remove("study");
    }
  }

  /** Results are keyed by slice, not z index: a slice may be segmented before the manifest gives its index. */
  static String resultKey(String seriesKey, String sop) {
    return seriesKey + "/" + sop;
  }

  /** The 2.5D input of a slice: channels below, itself, above, normalised per channel. */
  private float[] input(String seriesKey, String below, String sop, String above) {
    int pixels = spec.height() * spec.width();
    float[] input = new float[3 * pixels];
    String[] channels = {below, sop, above};
    for (int c = 0; c < 3; c++) {
      float[] windowed = prepared(seriesKey, channels[c]).windowed();
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
    work.remove(seriesKey);
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
