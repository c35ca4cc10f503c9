package io.spinestream.it.reliability;

import io.spinestream.events.CtSlice;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A slice the running services have not met the writer schema of, to send while the registry is down: a
 * copy of a slice already on the topic, re-encoded in a newer, compatible {@code CtSlice} version (one more
 * optional field, registered under the topic's subject while the registry is up). A reader needs the
 * registry to resolve it, so it exercises the "registry unreachable while decoding" path of every service
 * that reads slices; once resolved it is a duplicate of a slice they have, so the outcome must not change.
 */
final class RegistryProbe {
  record Probe(String topic, String key, byte[] value) {}

  private RegistryProbe() {}

  /** Registers the newer schema (the registry must be up) and builds the record. */
  static Probe prepare(LivePipeline pipeline) {
    String topic = pipeline.topic(Topics.SLICES.name());
    ConsumerRecord<String, byte[]> slice = firstRecord(topic);
    Schema current = CtSlice.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(new Schema.Field("fault_probe", Schema.createUnion(Schema.create(Schema.Type.NULL),
        Schema.create(Schema.Type.STRING)), "added by FaultInjectionIT", Schema.Field.NULL_DEFAULT_VALUE));
    Schema newer = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    int id = ItStack.registry().register(topic + "-value", newer);
    // Avro binary of a record is its fields in order: the newer version's bytes are the older ones followed
    // by the new field's value (union branch 0, null: one zero byte).
    byte[] old = slice.value();
    ByteBuffer value = ByteBuffer.allocate(old.length + 1);
    value.put((byte) 0).putInt(id).put(old, 5, old.length - 5).put((byte) 0);
    return new Probe(topic, slice.key(), value.array());
  }

  static void send(Probe probe) throws Exception {
    try (KafkaProducer<String, byte[]> producer = ItStack.producer(new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(probe.topic(), probe.key(), probe.value())).get(60, TimeUnit.SECONDS);
    }
  }

  private static ConsumerRecord<String, byte[]> firstRecord(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          return record;
        }
      }
      throw new AssertionError("no slice on " + topic + " within 5 min");
    }
  }
}
