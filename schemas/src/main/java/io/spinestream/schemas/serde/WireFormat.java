package io.spinestream.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent Schema Registry wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id as a
 * big-endian int, then the Avro binary encoding of the value with exactly that schema.
 */
public final class WireFormat {
  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  public static byte[] header(int schemaId) {
    return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
  }

  /** The schema id of a wire-format payload; a clear {@link SerializationException} if it is not one. */
  public static int schemaId(String topic, byte[] payload) {
    if (payload.length < HEADER_SIZE) {
      throw new SerializationException(String.format(
          "%s: payload of %d byte(s) is too short for the Confluent wire format "
              + "(magic byte 0, 4-byte schema id, Avro data)", topic, payload.length));
    }
    if (payload[0] != MAGIC_BYTE) {
      throw new SerializationException(String.format(
          "%s: unknown magic byte 0x%02x (expected 0x00): the record is not in the Confluent Avro wire format",
          topic, payload[0] & 0xff));
    }
    return ByteBuffer.wrap(payload, 1, 4).getInt();
  }
}
