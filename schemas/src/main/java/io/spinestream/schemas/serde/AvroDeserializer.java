package io.spinestream.schemas.serde;

import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-wire-format Avro: looks up the writer schema by the id in the payload (cached), and
 * resolves it against the reader schema, so records written with an older or newer compatible schema
 * read correctly. Every failure (not wire format, unknown schema id, corrupt or truncated Avro, trailing
 * bytes) is a {@link SerializationException} that names the topic, the schema id and what is wrong.
 *
 * <p>Reader schema: the given SpecificRecord class's; or a given schema (GenericRecord, e.g. a dashboard
 * pinned to an older version); else, with {@code specific.avro.reader=true}, the generated class named by
 * the writer schema; else the writer schema itself (GenericRecord).
 */
public class AvroDeserializer<T> implements Deserializer<T> {
  private SchemaRegistry registry;
  private final Class<T> type;
  private final Schema genericReaderSchema;
  private boolean specificReader;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

  /** A generic (or, with {@code specific.avro.reader=true}, specific) reader configured by properties. */
  public AvroDeserializer() {
    this((Class<T>) null, null);
  }

  /** Reads into the generated class {@code type}, resolving every writer schema against its schema. */
  public AvroDeserializer(Class<T> type, SchemaRegistry registry) {
    this.type = type;
    this.genericReaderSchema = null;
    this.registry = registry;
    this.specificReader = type != null;
  }

  /** Reads GenericRecords shaped by {@code readerSchema}, whatever compatible schema the writer used. */
  public AvroDeserializer(Schema readerSchema, SchemaRegistry registry) {
    this.type = null;
    this.genericReaderSchema = readerSchema;
    this.registry = registry;
    this.specificReader = false;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (registry == null) {
      registry = new SchemaRegistryClient(RegistryClientConfig.fromMap(configs));
    }
    if (type == null && genericReaderSchema == null) {
      specificReader = SerdeConfig.bool(configs, SerdeConfig.SPECIFIC_AVRO_READER, false);
    }
  }

  @Override
  public T deserialize(String topic, byte[] payload) {
    if (payload == null) {
      return null;
    }
    if (registry == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    int id = WireFormat.schemaId(topic, payload);
    DatumReader<T> reader = readerFor(topic, id);
    try {
      BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(
          payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE);
      T value = reader.read(null, decoder);
      if (decoder.remaining() != 0) {
        throw new SerializationException(topic + ": record with schema id " + id + " has "
            + decoder.remaining() + " trailing byte(s) after the Avro data: corrupt payload or wrong schema id");
      }
      return value;
    } catch (SerializationException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(topic + ": corrupt Avro data for schema id " + id + " ("
          + describe(e) + ")", e);
    }
  }

  private DatumReader<T> readerFor(String topic, int id) {
    DatumReader<T> cached = readers.get(id);
    if (cached != null) {
      return cached;
    }
    Schema writer;
    try {
      writer = registry.schemaById(id);
    } catch (SchemaRegistryException e) {
      String what = e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND || e.isNotFound()
          ? "schema id " + id + " is not in the registry"
          : "cannot fetch schema id " + id;
      throw new SerializationException(topic + ": " + what + ": " + e.getMessage(), e);
    }
    DatumReader<T> reader = newReader(topic, id, writer);
    readers.put(id, reader);
    return reader;
  }

  private DatumReader<T> newReader(String topic, int id, Schema writer) {
    Schema reader = readerSchema(topic, id, writer);
    SchemaCompatibility.SchemaPairCompatibility compatibility =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new SerializationException(topic + ": writer schema id " + id + " (" + writer.getFullName()
          + ") cannot be read as " + reader.getFullName() + ": " + compatibility.getDescription());
    }
    if (specificReader) {
      return new SpecificDatumReader<>(writer, reader, SpecificData.getForSchema(reader));
    }
    return new GenericDatumReader<>(writer, reader);
  }

  private Schema readerSchema(String topic, int id, Schema writer) {
    if (genericReaderSchema != null) {
      return genericReaderSchema;
    }
    if (!specificReader) {
      return writer;
    }
    if (type != null) {
      return SpecificData.get().getSchema(type);
    }
    Class<?> generated = SpecificData.get().getClass(writer);
    if (generated == null) {
      throw new SerializationException(topic + ": no generated class for " + writer.getFullName()
          + " (schema id " + id + ") on the classpath");
    }
    return SpecificData.get().getSchema(generated);
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  @Override
  public void close() {
    // Nothing to release; a shared registry client belongs to its owner.
  }
}
