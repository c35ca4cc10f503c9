package io.spinestream.schemas.serde;

import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records (generated SpecificRecords or GenericRecords) in the Confluent wire format, byte
 * for byte what Confluent's {@code KafkaAvroSerializer} writes for the same schema id: magic byte 0, the
 * 4-byte big-endian id, then the record's Avro binary encoding with its own schema.
 *
 * <p>Usable by class name from Kafka configuration (no-arg constructor, then {@link #configure}) or
 * constructed with a shared {@link SchemaRegistryClient} so that all serdes of a service share one cache.
 */
public class AvroSerializer<T> implements Serializer<T> {
  private SchemaRegistry registry;
  private boolean isKey;
  private boolean autoRegister = true;
  private SubjectNameStrategy subjectNameStrategy = SubjectNameStrategy.TOPIC_NAME;
  private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
  private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
  /** Largest record written per schema: the next buffer starts that big, not 256 bytes and doubling. */
  private final Map<Schema, Integer> sizeHints = new ConcurrentHashMap<>();

  public AvroSerializer() {}

  public AvroSerializer(SchemaRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    if (registry == null) {
      registry = new SchemaRegistryClient(RegistryClientConfig.fromMap(configs));
    }
    autoRegister = SerdeConfig.bool(configs, SerdeConfig.AUTO_REGISTER_SCHEMAS, true);
    subjectNameStrategy = SerdeConfig.strategy(configs, isKey);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (registry == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    Schema schema = schemaOf(data);
    String subject = subjectNameStrategy.subjectName(topic, isKey, schema);
    int id = schemaId(subject, schema);
    try {
      ExposedOutputStream out = new ExposedOutputStream(sizeHints.getOrDefault(schema, 256));
      out.write(WireFormat.header(id));
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writerFor(data, schema).write(data, encoder);
      encoder.flush();
      sizeHints.merge(schema, out.size(), Math::max);
      return out.toByteArrayExact();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          topic + ": cannot encode " + schema.getFullName() + " with schema id " + id + ": " + e.getMessage(), e);
    }
  }

  private int schemaId(String subject, Schema schema) {
    try {
      if (autoRegister) {
        return registry.register(subject, schema);
      }
      return registry.lookup(subject, schema).orElseThrow(() -> new SerializationException(
          "schema " + schema.getFullName() + " is not registered under subject " + subject
              + " and " + SerdeConfig.AUTO_REGISTER_SCHEMAS + "=false"));
    } catch (SchemaRegistryException e) {
      throw new SerializationException("cannot get a schema id for subject " + subject + ": " + e.getMessage(), e);
    }
  }

  private static Schema schemaOf(Object data) {
    if (data instanceof GenericContainer container) {
      return container.getSchema();
    }
    throw new SerializationException("AvroSerializer writes Avro records only, got " + data.getClass().getName());
  }

  private DatumWriter<Object> writerFor(Object data, Schema schema) {
    if (data instanceof SpecificRecord) {
      // Generated classes carry their logical-type conversions (timestamps as Instant) in their model.
      return specificWriters.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
    }
    return genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
  }

  /** Hands over its buffer without a copy when the size hint was exact. */
  private static final class ExposedOutputStream extends ByteArrayOutputStream {
    ExposedOutputStream(int size) {
      super(size);
    }

    byte[] toByteArrayExact() {
      return count == buf.length ? buf : toByteArray();
    }
  }

  @Override
  public void close() {
    // The registry client holds no resources that need closing; a shared one belongs to its owner.
  }
}
