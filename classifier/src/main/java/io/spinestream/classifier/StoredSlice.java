package io.spinestream.classifier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A slice the classifier keeps until its study is scored: the original Hounsfield units, because crops are
 * cut at original resolution and the boxes are only known when the crops arrive.
 *
 * @param hounsfieldLittleEndian rows x columns int16, little-endian; read back from the store it is a view of
 *     the stored bytes (no copy: a crop reads a small box of each of its about 26 slices)
 */
record StoredSlice(int rows, int columns, ByteBuffer hounsfieldLittleEndian) {
  private static final byte FORMAT = 1;
  private static final int HEADER = 9;

  /** The pixels as HU, a view (index y * columns + x). */
  ShortBuffer hounsfield() {
    return hounsfieldLittleEndian.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
  }

  static final Serde<StoredSlice> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<StoredSlice> serializer() {
    return (topic, slice) -> slice == null ? null
        : ByteBuffer.allocate(HEADER + slice.hounsfieldLittleEndian.remaining()).put(FORMAT).putInt(slice.rows)
            .putInt(slice.columns).put(slice.hounsfieldLittleEndian.duplicate()).array();
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
      return new StoredSlice(rows, columns, buffer.slice());
    };
  }
}
