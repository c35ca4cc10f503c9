package io.spinestream.schemas.serde;

import io.spinestream.schemas.registry.SchemaRegistry;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka Serde of one generated Avro type over the Confluent wire format. */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final AvroSerializer<T> serializer;
  private final AvroDeserializer<T> deserializer;

  public AvroSerde(Class<T> type, SchemaRegistry registry) {
    this.serializer = new AvroSerializer<>(registry);
    this.deserializer = new AvroDeserializer<>(type, registry);
  }

  /** A serde of {@code type}, configured for values (or keys) with the given serde settings. */
  public static <T extends SpecificRecord> AvroSerde<T> of(
      Class<T> type, SchemaRegistry registry, Map<String, ?> configs, boolean isKey) {
    AvroSerde<T> serde = new AvroSerde<>(type, registry);
    serde.configure(configs, isKey);
    return serde;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    serializer.configure(configs, isKey);
    deserializer.configure(configs, isKey);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }
}
