package io.spinestream.cropper;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.common.streams.Decoded;
import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
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
 * Collects a series' masks and manifest (both keyed by study, co-partitioned) and, once every slice of the
 * manifest has its mask, emits one {@link VertebraCrop} per vertebra C1..C7 (found or not) and frees the
 * series' state, in one exactly-once transaction. A manifest of fewer than {@code cropper.min.slices} slices
 * is dead-lettered ({@code SERIES_TOO_SHORT}) instead. Masks may come in any order and more than once (the
 * slice index makes a duplicate overwrite its twin). A series that stops progressing is dead-lettered
 * after the configured timeout (wall clock), with what was missing.
 */
final class MaskAggregator implements Processor<String, byte[], String, SpecificRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(MaskAggregator.class);
  static final String STAGE = "cropper";
  static final String SERIES_STORE = "cropper-series";
  static final String COMPLETED_STORE = "cropper-completed";
  static final String CROPS_SINK = "crops-sink";
  static final String DEAD_LETTER_SINK = "dead-letter-sink";

  private final CropperConfig config;
  private final CropperTopics topics;
  private final CropPlanner planner;
  private final PoisonGuard<SliceMask> masks;
  private final PoisonGuard<SeriesManifest> manifests;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, SeriesState> series;
  private KeyValueStore<String, Long> completed;

  MaskAggregator(CropperConfig config, CropperTopics topics, PoisonGuard<SliceMask> masks,
      PoisonGuard<SeriesManifest> manifests) {
    this.config = config;
    this.topics = topics;
    this.planner = new CropPlanner(config.minPixels(), config.marginFraction());
    this.masks = masks;
    this.manifests = manifests;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.series = context.getStateStore(SERIES_STORE);
    this.completed = context.getStateStore(COMPLETED_STORE);
    context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Optional<RecordMetadata> metadata = context.recordMetadata();
    String topic = metadata.map(RecordMetadata::topic).orElse("");
    if (topic.equals(topics.masks().name())) {
      Decoded<SliceMask> decoded = masks.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Poison<SliceMask> poison) {
        deadLetter(record, poison.deadLetter());
      } else {
        onMask(record, ((Decoded.Value<SliceMask>) decoded).value());
      }
    } else {
      Decoded<SeriesManifest> decoded = manifests.decode(record.key(), record.value(), metadata);
      if (decoded instanceof Decoded.Poison<SeriesManifest> poison) {
        deadLetter(record, poison.deadLetter());
      } else {
        onManifest(record, ((Decoded.Value<SeriesManifest>) decoded).value());
      }
    }
  }

  private void onMask(Record<String, byte[]> record, SliceMask mask) {
    MDC.put("study", mask.getStudyInstanceUid());
    try {
      if (mask.getSliceCount() <= 0 || mask.getSliceIndex() < 0 || mask.getSliceIndex() >= mask.getSliceCount()) {
        deadLetter(record, invalid(record, "slice index " + mask.getSliceIndex() + " outside 0.." + (mask.getSliceCount() - 1)));
        return;
      }
      String key = key(mask.getStudyInstanceUid(), mask.getSeriesInstanceUid());
      if (completed.get(key) != null) {
        LOG.info("mask {} of series {} arrived after its crops were made: ignored", mask.getSliceIndex(),
            mask.getSeriesInstanceUid());
        return;
      }
      SeriesState state = state(key, mask.getStudyInstanceUid(), mask.getSeriesInstanceUid());
      state.add(mask);
      update(record, key, state);
    } finally {
      MDC.remove("study");
    }
  }

  private void onManifest(Record<String, byte[]> record, SeriesManifest manifest) {
    MDC.put("study", manifest.getStudyInstanceUid());
    try {
      if (manifest.getSliceCount() <= 0 || manifest.getSopInstanceUids().size() != manifest.getSliceCount()) {
        deadLetter(record, invalid(record, "manifest lists " + manifest.getSopInstanceUids().size()
            + " SOP Instance UIDs for " + manifest.getSliceCount() + " slices"));
        return;
      }
      String key = key(manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
      if (completed.get(key) != null) {
        LOG.info("manifest of series {} arrived again after its crops were made: ignored",
            manifest.getSeriesInstanceUid());
        return;
      }
      if (manifest.getSliceCount() < config.minSlices()) {
        // One-slice and scout-like series cannot hold C1..C7: a score for them would look like a study's.
        deadLetter(record, DeadLetters.forRecord(STAGE, "SERIES_TOO_SHORT", String.format(
            "series %s of study %s has %d slice(s); at least %d are needed to cover C1..C7 (cropper.min.slices): "
                + "not cropped, so not scored", manifest.getSeriesInstanceUid(), manifest.getStudyInstanceUid(),
            manifest.getSliceCount(), config.minSlices()), null, topics.series().name(),
            context.recordMetadata().map(RecordMetadata::partition).orElse(-1),
            context.recordMetadata().map(RecordMetadata::offset).orElse(-1L), record.key(), record.value()));
        series.delete(key);
        completed.put(key, context.currentSystemTimeMs());
        return;
      }
      SeriesState state = state(key, manifest.getStudyInstanceUid(), manifest.getSeriesInstanceUid());
      state.add(manifest);
      update(record, key, state);
    } finally {
      MDC.remove("study");
    }
  }

  private SeriesState state(String key, String study, String seriesUid) {
    SeriesState state = series.get(key);
    return state != null ? state : new SeriesState(study, seriesUid);
  }

  private void update(Record<String, byte[]> record, String key, SeriesState state) {
    long now = context.currentSystemTimeMs();
    state.updatedAt = now;
    if (!state.complete()) {
      series.put(key, state);
      return;
    }
    for (VertebraCrop crop : crops(state, Instant.ofEpochMilli(now))) {
      context.forward(new Record<String, SpecificRecord>(state.studyUid, crop, record.timestamp()), CROPS_SINK);
    }
    series.delete(key);
    completed.put(key, now);
    LOG.info("crops of series {} emitted ({} slices)", state.seriesUid, state.manifest.sliceCount());
  }

  List<VertebraCrop> crops(SeriesState state, Instant now) {
    List<VertebraCrop> crops = new ArrayList<>();
    for (Vertebra vertebra : Vertebra.values()) {
      Optional<CropPlanner.Plan> plan = planner.plan(state.regions(vertebra.ordinal() + 1), state.rows, state.columns);
      List<Integer> sampled = plan.map(CropPlanner.Plan::sampledIndices).orElse(List.of());
      crops.add(VertebraCrop.newBuilder()
          .setStudyInstanceUid(state.studyUid)
          .setSeriesInstanceUid(state.seriesUid)
          .setVertebra(vertebra)
          .setFound(plan.isPresent())
          .setBox(plan.map(CropPlanner.Plan::box).orElse(null))
          .setSliceCount(state.manifest.sliceCount())
          .setSampledSliceIndices(sampled)
          .setSampledSopInstanceUids(sampled.stream().map(i -> state.manifest.sopInstanceUids().get(i)).toList())
          .setSegmenter(state.segmenter)
          .setSeriesFirstReceivedAt(Instant.ofEpochMilli(state.manifest.firstReceivedAt()))
          .setSeriesLastReceivedAt(Instant.ofEpochMilli(state.manifest.lastReceivedAt()))
          .setCreatedAt(now)
          .build());
    }
    return crops;
  }

  /** Dead-letters series that stopped progressing; forgets completed series after their retention. */
  private void expire(long now) {
    List<KeyValue<String, SeriesState>> stale = new ArrayList<>();
    try (KeyValueIterator<String, SeriesState> all = series.all()) {
      all.forEachRemaining(entry -> {
        if (now - entry.value.updatedAt >= config.seriesTimeout().toMillis()) {
          stale.add(entry);
        }
      });
    }
    for (KeyValue<String, SeriesState> entry : stale) {
      SeriesState state = entry.value;
      String reason = String.format("series %s of study %s incomplete after %d s without progress: %s",
          state.seriesUid, state.studyUid, config.seriesTimeout().toSeconds(), state.describeProgress());
      LOG.warn(reason);
      DeadLetter letter = DeadLetters.forInput(STAGE, "SERIES_INCOMPLETE", reason, null,
          topics.masks().name() + " + " + topics.series().name(), state.studyUid, -1, null);
      context.forward(new Record<String, SpecificRecord>(state.studyUid, letter, now), DEAD_LETTER_SINK);
      series.delete(entry.key);
    }
    List<String> forget = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = completed.all()) {
      all.forEachRemaining(entry -> {
        if (now - entry.value >= config.completedRetention().toMillis()) {
          forget.add(entry.key);
        }
      });
    }
    forget.forEach(completed::delete);
  }

  private DeadLetter invalid(Record<String, byte[]> record, String reason) {
    Optional<RecordMetadata> metadata = context.recordMetadata();
    return DeadLetters.forRecord(STAGE, "INVALID_RECORD", reason, null, metadata.map(RecordMetadata::topic).orElse(""),
        metadata.map(RecordMetadata::partition).orElse(-1), metadata.map(RecordMetadata::offset).orElse(-1L),
        record.key(), record.value());
  }

  private void deadLetter(Record<String, byte[]> record, DeadLetter letter) {
    LOG.warn("dead-lettered {}: {} {}", letter.getSource(), letter.getReasonCode(), letter.getReason());
    String key = record.key() != null ? record.key() : letter.getSource();
    context.forward(new Record<String, SpecificRecord>(key, letter, record.timestamp()), DEAD_LETTER_SINK);
  }

  static String key(String study, String seriesUid) {
    return study + "/" + seriesUid;
  }
}
