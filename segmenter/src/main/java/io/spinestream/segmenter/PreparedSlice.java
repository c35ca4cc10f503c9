package io.spinestream.segmenter;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A slice as the segmenter keeps it until its series is ready: windowed and resized to the model's input
 * (H x W floats), not the original pixels, so a 512x512 slice costs 100 KB at 160x160 instead of 512 KB.
 * Preparing each slice on arrival is exact because windowing and resizing work slice by slice; the 2.5D
 * stacking and normalisation happen when the neighbours are known.
 */
record PreparedSlice(String sopInstanceUid, int rows, int columns, float[] windowed) {
  private static final byte FORMAT = 1;

  static final Serde<PreparedSlice> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<PreparedSlice> serializer() {
    return (topic, slice) -> {
      if (slice == null) {
        return null;
      }
      byte[] uid = slice.sopInstanceUid.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ByteBuffer buffer = ByteBuffer.allocate(1 + 4 + uid.length + 12 + slice.windowed.length * 4);
      buffer.put(FORMAT).putInt(uid.length).put(uid).putInt(slice.rows).putInt(slice.columns)
          .putInt(slice.windowed.length);
      buffer.asFloatBuffer().put(slice.windowed);
      return buffer.array();
    };
  }

  private static Deserializer<PreparedSlice> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.wrap(data);
      if (buffer.get() != FORMAT) {
        throw new IllegalStateException("segmenter slice state in an unknown format");
      }
      byte[] uid = new byte[buffer.getInt()];
      buffer.get(uid);
      int rows = buffer.getInt();
      int columns = buffer.getInt();
      float[] windowed = new float[buffer.getInt()];
      buffer.asFloatBuffer().get(windowed);
      return new PreparedSlice(new String(uid, java.nio.charset.StandardCharsets.UTF_8), rows, columns, windowed);
    };
  }
}
