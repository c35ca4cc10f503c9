package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroSerde;
import io.spinestream.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class EventRoundTripIT {
  private final SchemaRegistryClient registry = ItStack.registry();
  private final String run = ItStack.runId();

  @Test
  void shouldRoundTripAnEventOfEveryTypeThroughARealTopic() throws Exception {
    for (Map.Entry<Topic<?>, SpecificRecord> sample : SampleEvents.oneOfEach(7).entrySet()) {
      roundTrip(sample.getKey(), sample.getValue());
    }
    assertThat(Topics.ALL).hasSize(SampleEvents.oneOfEach(7).size());
  }

  @SuppressWarnings("unchecked")
  private <V extends SpecificRecord> void roundTrip(Topic<V> spec, SpecificRecord event) throws Exception {
    Topic<V> topic = spec.withName("it-" + run + "-" + spec.name());
    ItStack.createTopic(topic.name(), 3, topic.maxMessageBytes());
    AvroSerde<V> serde = topic.valueSerde(registry, ItStack.registryConfig());
    String key = SampleEvents.studyUid(7);
    try (var producer = ItStack.producer(Topic.KEY_SERDE.serializer(), serde.serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, (V) event)).get();
    }
    try (var consumer = ItStack.consumer(new StringDeserializer(), serde.deserializer())) {
      List<ConsumerRecord<String, V>> records = ItStack.readAll(consumer, topic.name(), 1);
      assertThat(records).singleElement().satisfies(record -> {
        assertThat(record.key()).isEqualTo(key);
        assertThat(record.value()).as(spec.name()).isEqualTo(event);
      });
    }
    // On the wire: Confluent framing with the id the registry holds for <topic>-value.
    try (var consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      byte[] raw = ItStack.readAll(consumer, topic.name(), 1).get(0).value();
      int id = registry.latest(topic.name() + "-value").id();
      assertThat(raw[0]).isEqualTo(WireFormat.MAGIC_BYTE);
      assertThat(ByteBuffer.wrap(raw, 1, 4).getInt()).isEqualTo(id);
      assertThat(registry.schemaById(id)).isEqualTo(event.getSchema());
    }
  }
}
