package io.spinestream.classifier;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.streams.Decoded;
import io.spinestream.common.streams.InFlight;
import io.spinestream.common.streams.InFlightBudget;
import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.StudyScore;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
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
 * Joins a series' crops with its slices (all keyed by study, co-partitioned): slices are kept (original
 * Hounsfield units) from the moment they arrive, because the crop boxes are only known later; when the
 * manifest and all seven crops are in and every slice a crop needs is stored, the vertebrae are handed to
 * the model by a wall-clock punctuator, which takes the scores back at a later run without ever waiting for
 * the model ({@link InFlight}): a score enters the store and the output in the transaction that takes it
 * back. Each score is a {@link VertebraScore}; a vertebra the segmentation did not find gets the configured
 * fallback probability, flagged as such. Once all seven are scored, one
 * {@link StudyScore} (C1..C7, patient_overall by the configured rule, both models, the timestamps that give
 * end-to-end latency) is emitted and the study's state is dropped. A study that never completes is dropped
 * after its time to live, with a dead letter if its crops had arrived, so the store stays bounded.
 */
final class CropScorer implements Processor<String, byte[], String, SpecificRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(CropScorer.class);
  static final String STAGE = "classifier";
  static final String SLICE_STORE = "classifier-slices";
  static final String STUDY_STORE = "classifier-studies";
  static final String COMPLETED_STORE = "classifier-completed";
  static final String VERTEBRA_SINK = "vertebra-scores-sink";
  static final String STUDY_SINK = "scores-sink";
  static final String DEAD_LETTER_SINK = "dead-letter-sink";
  private static final long SWEEP_EVERY_MS = 1_000;
  private static final int STEPS = 24;

  /** A vertebra in flight: its series (and the epoch of that series' submission). */
  private record Pending(String seriesKey, long epoch, int vertebra) {}

  /** A vertebra's input, built and waiting to be handed over with the others of its punctuation. */
  private record Prepared(Pending pending, float[] input) {}

  /**
   * Submission state of a study, in memory. A study dropped or restarted gets a new epoch when it is
   * submitted again, so scores still in flight for its old incarnation are recognised and ignored.
   */
  private static final class Submitted {
    final long epoch;
    final Set<Integer> vertebrae = new HashSet<>();

    Submitted(long epoch) {
      this.epoch = epoch;
    }
  }

  private final ClassifierConfig config;
  private final ClassifierSpec spec;
  private final ClassifierTopics topics;
  private final VertebraClassifier model;
  private final PoisonGuard<CtSlice> sliceGuard;
  private final PoisonGuard<SeriesManifest> manifestGuard;
  private final PoisonGuard<VertebraCrop> cropGuard;
  private final Set<String> ready = new LinkedHashSet<>();
  /** Vertebrae handed to the model, in submission order; in memory only (see {@link InFlight}). */
  private final InFlight<Pending, Float> inFlight;
  private final Map<String, Submitted> submitted = new HashMap<>();
  /**
   * Per series, its state as last stored (this processor is its only writer), so the punctuator need not
   * decode it, manifest and all, from the store every 10 ms.
   */
  private final Map<String, StudyState> states = new HashMap<>();
  /** Per series, the slices known to be in the slice store (in memory; the store stays the truth). */
  private final Map<String, Set<String>> stored = new HashMap<>();
  private long nextEpoch;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, StoredSlice> slices;
  private KeyValueStore<String, StudyState> studies;
  private KeyValueStore<String, Long> completed;
  private long lastSweep;

  CropScorer(ClassifierConfig config, ClassifierSpec spec, ClassifierTopics topics, VertebraClassifier model,
      InFlightBudget budget, PoisonGuard<CtSlice> sliceGuard, PoisonGuard<SeriesManifest> manifestGuard,
      PoisonGuard<VertebraCrop> cropGuard) {
    this.inFlight = new InFlight<>(budget);
    this.config = config;
    this.spec = spec;
    this.topics = topics;
    this.model = model;
    this.sliceGuard = sliceGuard;
    this.manifestGuard = manifestGuard;
    this.cropGuard = cropGuard;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.slices = context.getStateStore(SLICE_STORE);
    this.studies = context.getStateStore(STUDY_STORE);
    this.completed = context.getStateStore(COMPLETED_STORE);
    try (KeyValueIterator<String, StudyState> all = studies.all()) {
      all.forEachRemaining(entry -> {
        if (isReady(entry.key, entry.value)) {
          ready.add(entry.key);
        }
      });
    }
    context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void close() {
    // The workers finish what is queued; nobody takes it back. Whoever owns the task next resubmits the
    // vertebrae without a committed score.
    inFlight.clear();
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Optional<RecordMetadata> metadata = context.recordMetadata();
    String topic = metadata.map(RecordMetadata::topic).orElse("");
    if (topic.equals(topics.slices().name())) {
      Decoded<CtSlice> decoded = sliceGuard.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Value<CtSlice> value) {
        onSlice(record, value.value());
      } else {
        deadLetter(record.key(), ((Decoded.Poison<CtSlice>) decoded).deadLetter(), record.timestamp());
      }
    } else if (topic.equals(topics.series().name())) {
      Decoded<SeriesManifest> decoded = manifestGuard.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Value<SeriesManifest> value) {
        onManifest(record, value.value());
      } else {
        deadLetter(record.key(), ((Decoded.Poison<SeriesManifest>) decoded).deadLetter(), record.timestamp());
      }
    } else {
      Decoded<VertebraCrop> decoded = cropGuard.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Value<VertebraCrop> value) {
        onCrop(value.value());
      } else {
        deadLetter(record.key(), ((Decoded.Poison<VertebraCrop>) decoded).deadLetter(), record.timestamp());
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
        Optional<RecordMetadata> m = context.recordMetadata();
        deadLetter(record.key(), DeadLetters.forRecord(STAGE, "INVALID_RECORD", String.format(
            "slice %s: %dx%d with %d pixel bytes (limit %d pixels)", slice.getSopInstanceUid(), rows, columns,
            slice.getPixels().remaining(), config.maxPixels()), null, m.map(RecordMetadata::topic).orElse(""),
            m.map(RecordMetadata::partition).orElse(-1), m.map(RecordMetadata::offset).orElse(-1L), record.key(),
            record.value()), record.timestamp());
        return;
      }
      String seriesKey = key(slice.getStudyInstanceUid(), slice.getSeriesInstanceUid());
      if (completed.get(seriesKey) != null) {
        return;
      }
      slices.put(seriesKey + "/" + slice.getSopInstanceUid(),
          new StoredSlice(rows, columns, slice.getPixels().duplicate()));
      stored.computeIfAbsent(seriesKey, k -> new HashSet<>()).add(slice.getSopInstanceUid());
      save(seriesKey, state(seriesKey, slice.getStudyInstanceUid(), slice.getSeriesInstanceUid()));
    } finally {
      MDC.remove("study");
    }
  }

  private void onManifest(Record<String, byte[]> record, SeriesManifest manifest) {
    String seriesKey = key(manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
    if (completed.get(seriesKey) != null) {
      return;
    }
    StudyState state = state(seriesKey, manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
    state.sopInstanceUids = List.copyOf(manifest.getSopInstanceUids());
    save(seriesKey, state);
  }

  private void onCrop(VertebraCrop crop) {
    String seriesKey = key(crop.getStudyInstanceUid(), crop.getSeriesInstanceUid());
    if (completed.get(seriesKey) != null) {
      LOG.info("crop {} of series {} arrived after it was scored: ignored", crop.getVertebra(),
          crop.getSeriesInstanceUid());
      return;
    }
    StudyState state = state(seriesKey, crop.getStudyInstanceUid(), crop.getSeriesInstanceUid());
    state.add(crop);
    save(seriesKey, state);
  }

  private StudyState state(String seriesKey, String study, String seriesUid) {
    StudyState state = loadState(seriesKey);
    return state != null ? state : new StudyState(study, seriesUid);
  }

  private void save(String seriesKey, StudyState state) {
    state.updatedAt = context.currentSystemTimeMs();
    storeState(seriesKey, state);
    if (state.allCropsIn() && isReady(seriesKey, state)) {
      ready.add(seriesKey);
    }
  }

  private boolean isReady(String seriesKey, StudyState state) {
    if (!state.allCropsIn() || state.scored()) {
      return false;
    }
    for (String sop : new LinkedHashSet<>(state.neededSops())) {
      if (!isStored(seriesKey, sop)) {
        return false;
      }
    }
    return true;
  }

  /** The stored state of a series, null if there is none. */
  private StudyState loadState(String seriesKey) {
    StudyState state = states.get(seriesKey);
    if (state == null) {
      state = studies.get(seriesKey);
      if (state != null) {
        states.put(seriesKey, state);
      }
    }
    return state;
  }

  private void storeState(String seriesKey, StudyState state) {
    studies.put(seriesKey, state);
    states.put(seriesKey, state);
  }

  /**
   * Whether a slice is in the slice store, from memory when this processor stored it or saw it there: the
   * store would read the whole slice (up to 2 MB) back to say so, for every slice a study's crops need.
   */
  private boolean isStored(String seriesKey, String sop) {
    Set<String> known = stored.computeIfAbsent(seriesKey, k -> new HashSet<>());
    if (known.contains(sop)) {
      return true;
    }
    if (slices.get(seriesKey + "/" + sop) != null) {
      known.add(sop);
      return true;
    }
    return false;
  }

  private void punctuate(long now) {
    harvest(now);
    submit(now);
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      sweep(now);
    }
  }

  /**
   * Takes back the scores the model has finished, in submission order, stores and emits each, and emits
   * the StudyScore of every study that is now complete. Scores of a study dropped or restarted meanwhile are
   * stale and ignored.
   */
  void harvest(long now) {
    List<InFlight.Done<Pending, Float>> done = inFlight.harvest();
    if (done.isEmpty()) {
      return;
    }
    Map<String, StudyState> touched = new LinkedHashMap<>();
    for (InFlight.Done<Pending, Float> item : done) {
      Pending pending = item.work();
      Submitted submitted = this.submitted.get(pending.seriesKey());
      if (submitted == null || submitted.epoch != pending.epoch()) {
        continue;
      }
      StudyState state = touched.computeIfAbsent(pending.seriesKey(), this::loadState);
      if (state == null || state.results.containsKey(pending.vertebra())) {
        continue;
      }
      MDC.put("study", state.studyUid);
      try {
        record(state, pending.vertebra(), new StudyState.Result(sigmoid(item.result()), false), now);
      } finally {
        MDC.remove("study");
      }
    }
    touched.forEach((seriesKey, state) -> {
      if (state != null) {
        advance(seriesKey, state, now);
      }
    });
  }

  /**
   * Hands the found vertebrae of ready studies to the model while the service's in-flight budget has room,
   * and records the fallback of those not found. Never waits for the model: the scores are taken back by a
   * later punctuation, so the stream thread goes on reading slices and crops while the model runs.
   */
  void submit(long now) {
    // Inputs are handed over a batch at a time: building one takes milliseconds (about 26 slices read,
    // cropped, windowed, resized), longer than a batch waits to fill, so handing each over as it was built
    // made the first batch small, and harvesting k results then made room for batches of k.
    List<Prepared> handOver = new ArrayList<>();
    boolean room = true;
    for (String seriesKey : List.copyOf(ready)) {
      StudyState state = loadState(seriesKey);
      if (state == null || state.scored()) {
        ready.remove(seriesKey);
        continue;
      }
      Submitted submitted = this.submitted.computeIfAbsent(seriesKey, k -> new Submitted(nextEpoch++));
      boolean changed = false;
      MDC.put("study", state.studyUid);
      try {
        for (var entry : state.crops.entrySet()) {
          int vertebra = entry.getKey();
          if (state.results.containsKey(vertebra) || submitted.vertebrae.contains(vertebra)) {
            continue;
          }
          if (!entry.getValue().found()) {
            record(state, vertebra, new StudyState.Result(config.fallbackProbability(), true), now);
            changed = true;
          } else if (room) {
            room = inFlight.tryReserve();
            if (room) {
              handOver.add(new Prepared(new Pending(seriesKey, submitted.epoch, vertebra),
                  input(seriesKey, state, entry.getValue())));
              submitted.vertebrae.add(vertebra);
              if (handOver.size() >= config.batchSize()) {
                handOver(handOver);
              }
            }
          }
        }
      } finally {
        MDC.remove("study");
      }
      if (changed) {
        advance(seriesKey, state, now);
      }
      if (!room) {
        break;
      }
    }
    handOver(handOver);
  }

  private void handOver(List<Prepared> prepared) {
    for (Prepared item : prepared) {
      inFlight.add(item.pending(), model.submit(item.input()));
    }
    prepared.clear();
  }

  /** A vertebra's result: stored and emitted in the same transaction, so it is emitted exactly once. */
  private void record(StudyState state, int vertebra, StudyState.Result result, long now) {
    state.results.put(vertebra, result);
    VertebraScore score = VertebraScore.newBuilder()
        .setStudyInstanceUid(state.studyUid)
        .setSeriesInstanceUid(state.seriesUid)
        .setVertebra(Vertebra.values()[vertebra])
        .setProbability(result.probability())
        .setFallback(result.fallback())
        .setSegmenter(state.segmenter)
        .setClassifier(spec.model())
        .setSeriesFirstReceivedAt(Instant.ofEpochMilli(state.firstReceivedAt))
        .setSeriesLastReceivedAt(Instant.ofEpochMilli(state.lastReceivedAt))
        .setScoredAt(Instant.ofEpochMilli(now))
        .build();
    context.forward(new Record<String, SpecificRecord>(state.studyUid, score, now), VERTEBRA_SINK);
  }

  /** Saves a study's progress, or, once all seven vertebrae are scored, emits its StudyScore and drops it. */
  private void advance(String seriesKey, StudyState state, long now) {
    if (!state.scored()) {
      state.updatedAt = now;
      storeState(seriesKey, state);
      return;
    }
    double[] p = new double[7];
    List<Vertebra> fallbacks = new ArrayList<>();
    for (int v = 0; v < 7; v++) {
      p[v] = state.results.get(v).probability();
      if (state.results.get(v).fallback()) {
        fallbacks.add(Vertebra.values()[v]);
      }
    }
    StudyScore score = StudyScore.newBuilder()
        .setStudyInstanceUid(state.studyUid)
        .setSeriesInstanceUid(state.seriesUid)
        .setPatientOverall(config.aggregation().apply(p))
        .setC1(p[0]).setC2(p[1]).setC3(p[2]).setC4(p[3]).setC5(p[4]).setC6(p[5]).setC7(p[6])
        .setFallbackVertebrae(fallbacks)
        .setAggregation(config.aggregation().label())
        .setSegmenter(state.segmenter)
        .setClassifier(spec.model())
        .setFirstSliceReceivedAt(Instant.ofEpochMilli(state.firstReceivedAt))
        .setLastSliceReceivedAt(Instant.ofEpochMilli(state.lastReceivedAt))
        .setScoredAt(Instant.ofEpochMilli(now))
        .build();
    context.forward(new Record<String, SpecificRecord>(state.studyUid, score, now), STUDY_SINK);
    LOG.info("study {} scored: patient_overall {}", state.studyUid, String.format("%.3f", score.getPatientOverall()));
    forget(seriesKey);
    completed.put(seriesKey, now);
  }

  /** The classifier input of a crop: [24, 3, H, W], channel c of step t = slice clamp(s_t - 1 + c). */
  private float[] input(String seriesKey, StudyState state, StudyState.Crop crop) {
    int pixels = spec.height() * spec.width();
    float[] input = new float[STEPS * 3 * pixels];
    Map<String, float[]> prepared = new HashMap<>();
    for (int t = 0; t < STEPS; t++) {
      int sampled = crop.sampled().get(t);
      for (int c = 0; c < 3; c++) {
        String sop = state.channelSop(sampled, c);
        float[] windowed = prepared.computeIfAbsent(sop, s -> {
          StoredSlice slice = slices.get(seriesKey + "/" + s);
          return Preprocess.windowAndResize(slice.hounsfield(), slice.columns(), crop.x0(), crop.y0(), crop.x1(),
              crop.y1(), spec.huLow(), spec.huHigh(), spec.height(), spec.width());
        });
        float mean = spec.mean()[c];
        float std = spec.std()[c];
        int offset = (t * 3 + c) * pixels;
        for (int p = 0; p < pixels; p++) {
          input[offset + p] = (windowed[p] - mean) / std;
        }
      }
    }
    return input;
  }

  private static double sigmoid(float logit) {
    return 1.0 / (1.0 + Math.exp(-logit));
  }

  private void forget(String seriesKey) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, StoredSlice> entries = slices.prefixScan(seriesKey + "/", new StringSerializer())) {
      entries.forEachRemaining(entry -> keys.add(entry.key));
    }
    keys.forEach(slices::delete);
    studies.delete(seriesKey);
    states.remove(seriesKey);
    ready.remove(seriesKey);
    submitted.remove(seriesKey);
    stored.remove(seriesKey);
  }

  /** Drops studies past their time to live; forgets scored ones after their retention. */
  private void sweep(long now) {
    List<KeyValue<String, StudyState>> stale = new ArrayList<>();
    try (KeyValueIterator<String, StudyState> all = studies.all()) {
      all.forEachRemaining(entry -> {
        if (!ready.contains(entry.key) && now - entry.value.updatedAt >= config.studyTtl().toMillis()) {
          stale.add(entry);
        }
      });
    }
    for (KeyValue<String, StudyState> entry : stale) {
      StudyState state = entry.value;
      if (!state.crops.isEmpty()) {
        String reason = String.format("series %s of study %s not scored after %d s without progress: %s",
            state.seriesUid, state.studyUid, config.studyTtl().toSeconds(), state.describe());
        deadLetter(state.studyUid, DeadLetters.forInput(STAGE, "STUDY_INCOMPLETE", reason, null,
            topics.crops().name() + " + " + topics.slices().name(), state.studyUid, -1, null), now);
      } else {
        LOG.info("dropping the slices of series {} after {} s: no crops came", state.seriesUid,
            config.studyTtl().toSeconds());
      }
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

  private void deadLetter(String key, DeadLetter letter, long timestamp) {
    LOG.warn("dead-lettered {}: {} {}", letter.getSource(), letter.getReasonCode(), letter.getReason());
    context.forward(new Record<String, SpecificRecord>(key != null ? key : letter.getSource(), letter, timestamp),
        DEAD_LETTER_SINK);
  }

  static String key(String study, String seriesUid) {
    return study + "/" + seriesUid;
  }
}
