package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.CtSlice;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Poison records on a real topic: each gives a clear, specific error at its offset, and the consumer
 * reads on past it to the good record behind.
 */
class CorruptPayloadIT {
  private final SchemaRegistryClient registry = ItStack.registry();
  private final String topic = "it-" + ItStack.runId() + "-corrupt";

  @Test
  void shouldReportEachCorruptPayloadClearlyAndKeepReading() throws Exception {
    ItStack.createTopic(topic, 1, Topics.SLICES.maxMessageBytes());
    CtSlice good = SampleEvents.slice(4, 0, 8, 8);
    byte[] valid = serialize(topic, good);
    byte[] otherType = serialize(topic + "-other", SampleEvents.studyScore(4));

    Map<String, byte[]> poison = new LinkedHashMap<>();
    poison.put("unknown magic byte 0x7b", "{\"study\":\"1.2.3\"}".getBytes());
    poison.put("3 byte(s) is too short", new byte[] {0, 0, 1});
    poison.put("schema id 2147483632 is not in the registry", new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2, 65});
    poison.put("corrupt Avro data", Arrays.copyOf(valid, valid.length / 2));
    poison.put("3 trailing byte(s)", concat(valid, new byte[] {1, 2, 3}));
    poison.put("string of 1073741823 bytes but only 1 left",
        concat(Arrays.copyOf(valid, 5), new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 65}));
    poison.put("(io.spinestream.events.StudyScore) cannot be read as io.spinestream.events.CtSlice", otherType);

    try (var producer = ItStack.producer(new StringSerializer(), new ByteArraySerializer())) {
      for (Map.Entry<String, byte[]> bad : poison.entrySet()) {
        producer.send(new ProducerRecord<>(topic, bad.getKey(), bad.getValue())).get();
      }
      producer.send(new ProducerRecord<>(topic, "good", valid)).get();
    }

    List<String> errors = new ArrayList<>();
    List<Long> errorOffsets = new ArrayList<>();
    List<ConsumerRecord<String, CtSlice>> read = new ArrayList<>();
    TopicPartition partition = new TopicPartition(topic, 0);
    try (var consumer = ItStack.consumer(new StringDeserializer(), new AvroDeserializer<>(CtSlice.class, registry))) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (read.isEmpty() && System.nanoTime() < deadline) {
        try {
          consumer.poll(Duration.ofMillis(200)).forEach(read::add);
        } catch (RecordDeserializationException e) {
          errors.add(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
          errorOffsets.add(e.offset());
          consumer.seek(e.topicPartition(), e.offset() + 1);
        }
      }
    }
    assertThat(errorOffsets).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    List<String> expected = new ArrayList<>(poison.keySet());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(errors.get(i)).as("offset " + i).contains(topic).contains(expected.get(i));
    }
    assertThat(read).singleElement().satisfies(record -> {
      assertThat(record.key()).isEqualTo("good");
      assertThat(record.value()).isEqualTo(good);
    });
  }

  private byte[] serialize(String subjectTopic, Object event) {
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    serializer.configure(ItStack.registryConfig(), false);
    return serializer.serialize(subjectTopic, event);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }
}
