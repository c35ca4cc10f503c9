package io.spinestream.classifier;

import io.spinestream.common.streams.InFlightBudget;
import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.CtSlice;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.VertebraCrop;
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
 * slices + series manifests + crops (raw bytes, decoded inside) -> one scorer with its state stores ->
 * vertebra scores, study scores and dead letters.
 */
public final class ClassifierTopology {
  private ClassifierTopology() {}

  public static Topology buildTopology(ClassifierConfig config, ClassifierSpec spec, ClassifierTopics topics,
      VertebraClassifier model, SchemaRegistry registry, Map<String, ?> serdeConfig) {
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>(registry);
    values.configure(serdeConfig, false);
    Topology topology = new Topology();
    topology.addSource("slices", new StringDeserializer(), new ByteArrayDeserializer(), topics.slices().name());
    topology.addSource("series", new StringDeserializer(), new ByteArrayDeserializer(), topics.series().name());
    topology.addSource("crops", new StringDeserializer(), new ByteArrayDeserializer(), topics.crops().name());
    // One budget for every task of this instance: they all feed the same predictor.
    InFlightBudget budget = new InFlightBudget(config.maxInFlight());
    topology.addProcessor("score", () -> new CropScorer(config, spec, topics, model, budget,
        new PoisonGuard<>(CropScorer.STAGE, new AvroDeserializer<>(CtSlice.class, registry)),
        new PoisonGuard<>(CropScorer.STAGE, new AvroDeserializer<>(SeriesManifest.class, registry)),
        new PoisonGuard<>(CropScorer.STAGE, new AvroDeserializer<>(VertebraCrop.class, registry))),
        "slices", "series", "crops");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CropScorer.SLICE_STORE),
        Serdes.String(), StoredSlice.SERDE), "score");
    // The slices need a disk (up to 2 MB each); the small per-series state lives in memory, restored from its
    // changelog at start like any store: a RocksDB instance per store and task costs its opening at every
    // assignment and a memtable flush at every commit, which for these few bytes bought nothing.
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CropScorer.STUDY_STORE),
        Serdes.String(), StudyState.SERDE), "score");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CropScorer.COMPLETED_STORE),
        Serdes.String(), Serdes.Long()), "score");
    var keys = Topic.KEY_SERDE.serializer();
    topology.addSink(CropScorer.VERTEBRA_SINK, topics.vertebraScores().name(), keys, values, "score");
    topology.addSink(CropScorer.STUDY_SINK, topics.scores().name(), keys, values, "score");
    topology.addSink(CropScorer.DEAD_LETTER_SINK, topics.deadLetters().name(), keys, values, "score");
    return topology;
  }
}
