package io.spinestream.common.streams;

import io.spinestream.common.deadletter.DeadLetters;
import io.spinestream.schemas.registry.RegistryUnavailableException;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes a raw record value, turning a bad record (not Avro, unknown schema id, corrupt data, wrong type)
 * into a dead letter that names the stage, the reason, the topic, partition and offset, and keeps the bytes
 * for re-driving. A registry that cannot be reached is not the record's fault: that failure is rethrown as
 * {@link RetryLaterException}, so the record is processed again later instead of being dead-lettered.
 */
public final class PoisonGuard<V> {
  public static final String UNDESERIALIZABLE = "UNDESERIALIZABLE_RECORD";
  public static final String EMPTY_VALUE = "EMPTY_VALUE";

  private final String stage;
  private final Deserializer<V> deserializer;

  public PoisonGuard(String stage, Deserializer<V> deserializer) {
    this.stage = stage;
    this.deserializer = deserializer;
  }

  static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param metadata where the record came from (a processor's {@code context.recordMetadata()})
   */
  public Decoded<V> decode(String key, byte[] raw, Optional<RecordMetadata> metadata) {
    String topic = metadata.map(RecordMetadata::topic).orElse("unknown");
    int partition = metadata.map(RecordMetadata::partition).orElse(-1);
    long offset = metadata.map(RecordMetadata::offset).orElse(-1L);
    if (raw == null || raw.length == 0) {
      return new Decoded.Poison<>(DeadLetters.forRecord(stage, EMPTY_VALUE, "record without a value (tombstone or empty)",
          null, topic, partition, offset, key, raw));
    }
    try {
      V value = deserializer.deserialize(topic, raw);
      return new Decoded.Value<>(value);
    } catch (RuntimeException e) {
      if (causedBy(e, RegistryUnavailableException.class)) {
        throw new RetryLaterException("schema registry unreachable while decoding " + topic + "-" + partition + "@"
            + offset, e);
      }
      return new Decoded.Poison<>(DeadLetters.forRecord(stage, UNDESERIALIZABLE, e.getMessage(), e, topic, partition,
          offset, key, raw));
    }
  }
}
