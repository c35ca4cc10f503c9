package io.spinestream.cropper;

import io.spinestream.common.streams.PoisonGuard;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * masks + series manifests (raw bytes, decoded inside, so poison records become dead letters in the same
 * transaction) -> one aggregator with two state stores -> crops and dead letters.
 */
public final class CropperTopology {
  private CropperTopology() {}

  public static Topology buildTopology(CropperConfig config, CropperTopics topics, SchemaRegistry registry,
      Map<String, ?> serdeConfig) {
    AvroDeserializer<SliceMask> maskDeserializer = new AvroDeserializer<>(SliceMask.class, registry);
    AvroDeserializer<SeriesManifest> manifestDeserializer = new AvroDeserializer<>(SeriesManifest.class, registry);
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>(registry);
    values.configure(serdeConfig, false);
    Serializer<String> keys = Topic.KEY_SERDE.serializer();

    Topology topology = new Topology();
    topology.addSource("masks", new StringDeserializer(), new ByteArrayDeserializer(), topics.masks().name());
    topology.addSource("series", new StringDeserializer(), new ByteArrayDeserializer(), topics.series().name());
    topology.addProcessor("aggregate", () -> new MaskAggregator(config, topics,
        new PoisonGuard<>(MaskAggregator.STAGE, maskDeserializer),
        new PoisonGuard<>(MaskAggregator.STAGE, manifestDeserializer)), "masks", "series");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MaskAggregator.SERIES_STORE),
        Serdes.String(), SeriesState.SERDE), "aggregate");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MaskAggregator.COMPLETED_STORE),
        Serdes.String(), Serdes.Long()), "aggregate");
    topology.addSink(MaskAggregator.CROPS_SINK, topics.crops().name(), keys, values, "aggregate");
    topology.addSink(MaskAggregator.DEAD_LETTER_SINK, topics.deadLetters().name(), keys, values, "aggregate");
    return topology;
  }
}
