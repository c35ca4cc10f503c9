package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.events.CtSlice;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution against the real registry with FULL_TRANSITIVE compatibility, as the stack sets it:
 * incompatible changes are refused, and records written with an older schema are read by a newer reader
 * (and the other way round), because topics are replayed by readers of every version.
 */
class SchemaEvolutionIT {
  private static final Schema CURRENT = CtSlice.getClassSchema();
  /** CtSlice as it might have been before instance_number and slice_thickness_mm (both default null). */
  private static final Schema OLDER = withoutFields(CURRENT, "instance_number", "slice_thickness_mm");

  private final SchemaRegistryClient registry = ItStack.registry();
  private final String run = ItStack.runId();

  @Test
  void shouldRunTheRegistryWithFullTransitiveCompatibility() {
    assertThat(registry.compatibility(Optional.empty())).isEqualTo("FULL_TRANSITIVE");
  }

  @Test
  void shouldRejectAnIncompatibleSchemaChange() {
    String subject = "it-" + run + "-evolution-value";
    registry.register(subject, CURRENT);

    Schema requiredFieldAdded = withExtraField(CURRENT,
        new Schema.Field("ward", Schema.create(Schema.Type.STRING), "no default: old records cannot fill it"));
    Schema requiredFieldRemoved = withoutFields(CURRENT, "rows");

    assertThat(registry.isCompatible(subject, requiredFieldAdded)).isFalse();
    assertThat(registry.isCompatible(subject, requiredFieldRemoved)).isFalse();
    assertThatThrownBy(() -> registry.register(subject, requiredFieldAdded))
        .isInstanceOf(SchemaRegistryException.class)
        .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).isEqualTo(409));
    assertThat(registry.versions(subject)).hasSize(1);

    Schema optionalFieldAdded = withExtraField(CURRENT, new Schema.Field("ward",
        Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)), "optional",
        Schema.Field.NULL_DEFAULT_VALUE));
    assertThat(registry.isCompatible(subject, optionalFieldAdded)).isTrue();
    registry.register(subject, optionalFieldAdded);
    assertThat(registry.versions(subject)).hasSize(2);
  }

  @Test
  void shouldReadRecordsOfAnOlderSchemaWithTheNewerReaderAndViceVersa() throws Exception {
    String topic = "it-" + run + "-evolution";
    ItStack.createTopic(topic, 1, Topics.SLICES.maxMessageBytes());
    CtSlice current = SampleEvents.slice(3, 5, 16, 16);
    GenericRecord older = project(current, OLDER);

    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    serializer.configure(ItStack.registryConfig(), false);
    try (var producer = ItStack.producer(new StringSerializer(), serializer)) {
      producer.send(new ProducerRecord<>(topic, "older", older)).get();
      producer.send(new ProducerRecord<>(topic, "current", current)).get();
    }
    assertThat(registry.versions(topic + "-value")).hasSize(2);

    // Newer reader (today's generated class) reads both; the older record gets the defaults.
    try (var consumer = ItStack.consumer(new StringDeserializer(),
        new AvroDeserializer<>(CtSlice.class, registry))) {
      List<ConsumerRecord<String, CtSlice>> records = ItStack.readAll(consumer, topic, 2);
      CtSlice fromOlder = records.get(0).value();
      assertThat(fromOlder.getInstanceNumber()).isNull();
      assertThat(fromOlder.getSliceThicknessMm()).isNull();
      assertThat(fromOlder.getPixels()).isEqualTo(current.getPixels());
      assertThat(fromOlder.getZPositionMm()).isEqualTo(current.getZPositionMm());
      assertThat(fromOlder.getReceivedAt()).isEqualTo(current.getReceivedAt());
      assertThat(records.get(1).value()).isEqualTo(current);
    }
    // Older reader (pinned to the old schema) reads the newer record, ignoring the fields it lacks.
    try (var consumer = ItStack.consumer(new StringDeserializer(),
        new AvroDeserializer<GenericRecord>(OLDER, registry))) {
      List<ConsumerRecord<String, GenericRecord>> records = ItStack.readAll(consumer, topic, 2);
      GenericRecord fromCurrent = records.get(1).value();
      assertThat(fromCurrent.getSchema()).isEqualTo(OLDER);
      assertThat(fromCurrent.get("sop_instance_uid").toString()).isEqualTo(current.getSopInstanceUid());
      assertThat(fromCurrent.get("rows")).isEqualTo(16);
    }
  }

  private static GenericRecord project(CtSlice slice, Schema schema) {
    GenericRecord record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      Object value = slice.get(field.name());
      if (field.name().equals("received_at")) {
        value = slice.getReceivedAt().toEpochMilli();
      } else if (field.name().equals("source_kind")) {
        value = new GenericData.EnumSymbol(field.schema(), slice.getSourceKind().name());
      }
      record.put(field.name(), value);
    }
    assertThat(GenericData.get().validate(schema, record)).isTrue();
    return record;
  }

  private static Schema withoutFields(Schema schema, String... names) {
    List<String> drop = List.of(names);
    return copy(schema, schema.getFields().stream().filter(f -> !drop.contains(f.name())).collect(Collectors.toList()));
  }

  private static Schema withExtraField(Schema schema, Schema.Field extra) {
    List<Schema.Field> fields = schema.getFields().stream().collect(Collectors.toList());
    fields.add(extra);
    return copy(schema, fields);
  }

  private static Schema copy(Schema schema, List<Schema.Field> fields) {
    Schema copy = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false);
    copy.setFields(fields.stream().map(f -> new Schema.Field(f, f.schema())).collect(Collectors.toList()));
    return copy;
  }
}
