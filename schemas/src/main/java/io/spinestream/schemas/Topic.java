package io.spinestream.schemas;

import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.serde.AvroSerde;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A topic of the pipeline: its name, the Avro type of its values and the largest record it must accept.
 * Keys are always the StudyInstanceUID as a UTF-8 string ({@link #KEY_SERDE}), so every topic is
 * co-partitioned by study.
 */
public record Topic<V extends SpecificRecord>(String name, Class<V> valueType, int maxMessageBytes, String description) {
  /** Plain UTF-8 strings: readable by any Kafka client, kcat included, without a registry. */
  public static final Serde<String> KEY_SERDE = Serdes.String();

  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(valueType, "valueType");
    if (name.isBlank()) {
      throw new IllegalArgumentException("topic name is blank");
    }
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive");
    }
  }

  /** The same topic under another name, e.g. the separate output topics of a replay. */
  public Topic<V> withName(String otherName) {
    return new Topic<>(otherName, valueType, maxMessageBytes, description);
  }

  /** A value serde of this topic's type sharing {@code registry}; {@code serdeConfigs} as Confluent's. */
  public AvroSerde<V> valueSerde(SchemaRegistry registry, Map<String, ?> serdeConfigs) {
    return AvroSerde.of(valueType, registry, serdeConfigs, false);
  }
}
