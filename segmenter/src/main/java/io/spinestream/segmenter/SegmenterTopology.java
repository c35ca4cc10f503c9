package io.spinestream.segmenter;

import io.spinestream.common.streams.InFlightBudget;
import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.CtSlice;
import io.spinestream.events.SeriesManifest;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * slices + series manifests (raw bytes, decoded inside so poison records become dead letters in the same
 * transaction) -> one collector with its state stores -> masks and dead letters.
 */
public final class SegmenterTopology {
  private SegmenterTopology() {}

  public static Topology buildTopology(SegmenterConfig config, SegmenterSpec spec, SegmenterTopics topics,
      SliceSegmenter segmenter, SchemaRegistry registry, Map<String, ?> serdeConfig) {
    AvroDeserializer<CtSlice> slices = new AvroDeserializer<>(CtSlice.class, registry);
    AvroDeserializer<SeriesManifest> manifests = new AvroDeserializer<>(SeriesManifest.class, registry);
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>(registry);
    values.configure(serdeConfig, false);

    Topology topology = new Topology();
    topology.addSource("slices", new StringDeserializer(), new ByteArrayDeserializer(), topics.slices().name());
    topology.addSource("series", new StringDeserializer(), new ByteArrayDeserializer(), topics.series().name());
    // One budget for every task of this instance: they all feed the same predictor.
    InFlightBudget budget = new InFlightBudget(config.maxInFlight());
    topology.addProcessor("collect", () -> new SliceCollector(config, spec, topics, segmenter, budget,
        new PoisonGuard<>(SliceCollector.STAGE, slices), new PoisonGuard<>(SliceCollector.STAGE, manifests)),
        "slices", "series");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SliceCollector.SLICE_STORE),
        Serdes.String(), PreparedSlice.SERDE), "collect");
    // The prepared slices need a disk (100 KB each at 160x160); the small per-series state (progress, results
    // as regions, finished series) lives in memory, restored from its changelog at start like any store: a
    // RocksDB instance per store and task costs its opening at every assignment and a memtable flush at every
    // commit, which for these few bytes bought nothing.
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SliceCollector.SERIES_STORE),
        Serdes.String(), SeriesProgress.SERDE), "collect");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SliceCollector.RESULT_STORE),
        Serdes.String(), SegmentedSlice.SERDE), "collect");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SliceCollector.COMPLETED_STORE),
        Serdes.String(), Serdes.Long()), "collect");
    topology.addSink(SliceCollector.MASKS_SINK, topics.masks().name(), Topic.KEY_SERDE.serializer(), values, "collect");
    topology.addSink(SliceCollector.DEAD_LETTER_SINK, topics.deadLetters().name(), Topic.KEY_SERDE.serializer(), values,
        "collect");
    return topology;
  }
}
