package io.spinestream.classifier;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A slice the classifier keeps until its study is scored: the original Hounsfield units, because crops are
 * cut at original resolution and the boxes are only known when the crops arrive.
 */
record StoredSlice(int rows, int columns, byte[] hounsfieldLittleEndian) {
  private static final byte FORMAT = 1;

  short[] hounsfield() {
    short[] hu = new short[rows * columns];
    ByteBuffer.wrap(hounsfieldLittleEndian).order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(hu);
    return hu;
  }

  static final Serde<StoredSlice> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<StoredSlice> serializer() {
    return (topic, slice) -> slice == null ? null
        : ByteBuffer.allocate(9 + slice.hounsfieldLittleEndian.length).put(FORMAT).putInt(slice.rows)
            .putInt(slice.columns).put(slice.hounsfieldLittleEndian).array();
  }

  private static Deserializer<StoredSlice> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.wrap(data);
      if (buffer.get() != FORMAT) {
        throw new IllegalStateException("classifier slice state in an unknown format");
      }
      int rows = buffer.getInt();
      int columns = buffer.getInt();
      byte[] pixels = new byte[buffer.remaining()];
      buffer.get(pixels);
      return new StoredSlice(rows, columns, pixels);
    };
  }
}
