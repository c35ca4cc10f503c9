package io.spinestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.events.CtSlice;
import io.spinestream.events.SeriesManifest;
import io.spinestream.schemas.SampleEvents;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class BoundedBinaryDecoderTest {

  @Test
  void shouldDecodeEveryEventTypeExactlyAsWritten() throws IOException {
    for (SpecificRecord event : SampleEvents.oneOfEach(1).values()) {
      byte[] bytes = encode(event);
      BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(bytes, 0, bytes.length);
      SpecificRecord decoded = reader(event).read(null, decoder);
      assertThat(decoded).as(event.getSchema().getName()).isEqualTo(event);
      assertThat(decoder.remaining()).isZero();
    }
  }

  @Test
  void shouldDecodePrimitivesLikeAvrosOwnEncoder() throws IOException {
    Random random = new Random(42);
    int[] ints = {0, -1, 1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt(), random.nextInt()};
    long[] longs = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 35, random.nextLong(), random.nextLong()};
    float[] floats = {0f, -0f, Float.NaN, Float.MIN_VALUE, -3.25f, random.nextFloat()};
    double[] doubles = {0d, Double.MAX_VALUE, -Double.MIN_VALUE, Math.PI, random.nextDouble()};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    for (int v : ints) {
      encoder.writeInt(v);
    }
    for (long v : longs) {
      encoder.writeLong(v);
    }
    for (float v : floats) {
      encoder.writeFloat(v);
    }
    for (double v : doubles) {
      encoder.writeDouble(v);
    }
    encoder.writeBoolean(true);
    encoder.writeString("Hounsfield ü");
    encoder.flush();
    byte[] bytes = out.toByteArray();
    BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(bytes, 0, bytes.length);
    for (int v : ints) {
      assertThat(decoder.readInt()).isEqualTo(v);
    }
    for (long v : longs) {
      assertThat(decoder.readLong()).isEqualTo(v);
    }
    for (float v : floats) {
      assertThat(Float.floatToIntBits(decoder.readFloat())).isEqualTo(Float.floatToIntBits(v));
    }
    for (double v : doubles) {
      assertThat(decoder.readDouble()).isEqualTo(v);
    }
    assertThat(decoder.readBoolean()).isTrue();
    assertThat(decoder.readString()).isEqualTo("Hounsfield ü");
    assertThat(decoder.remaining()).isZero();
  }

  @Test
  void shouldRejectStringLengthBeyondPayloadWithoutAllocatingIt() {
    // zigzag(2^30 - 1) as the length of CtSlice.study_instance_uid, followed by two bytes.
    byte[] bytes = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 65, 66};
    assertThatThrownBy(() -> read(CtSlice.class, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("string of 1073741823 bytes but only 2 left");
  }

  @Test
  void shouldRejectArrayBlockCountBeyondPayload() {
    // SeriesManifest: two one-char strings, slice_count 2, then an array block claiming 2^30 items.
    byte[] bytes = {0x02, 65, 0x02, 66, 0x04, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
    assertThatThrownBy(() -> read(SeriesManifest.class, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("array block of 1073741823 items but only 0 bytes left");
  }

  @Test
  void shouldRejectNegativeLength() {
    assertThatThrownBy(() -> read(CtSlice.class, new byte[] {0x01}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("string length -1 is negative");
  }

  @Test
  void shouldRejectOverlongVarint() {
    byte[] bytes = new byte[11];
    Arrays.fill(bytes, (byte) 0x80);
    assertThatThrownBy(() -> new BoundedBinaryDecoder(bytes, 0, bytes.length).readLong())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("invalid long varint");
    byte[] sixBytes = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f};
    assertThatThrownBy(() -> new BoundedBinaryDecoder(sixBytes, 0, sixBytes.length).readInt())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("invalid int varint");
  }

  @Test
  void shouldReportTruncatedRecord() throws IOException {
    byte[] whole = encode(SampleEvents.slice(1, 0, 8, 8));
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    assertThatThrownBy(() -> read(CtSlice.class, half)).isInstanceOf(IOException.class);
  }

  @Test
  void shouldRejectBooleanOtherThanZeroOrOne() {
    byte[] bytes = {2};
    assertThatThrownBy(() -> new BoundedBinaryDecoder(bytes, 0, 1).readBoolean())
        .hasMessageContaining("boolean byte 2");
    assertThatThrownBy(() -> new BoundedBinaryDecoder(new byte[0], 0, 0).readBoolean())
        .isInstanceOf(EOFException.class);
  }

  private static <T extends SpecificRecord> T read(Class<T> type, byte[] bytes) throws IOException {
    return new SpecificDatumReader<>(type).read(null, new BoundedBinaryDecoder(bytes, 0, bytes.length));
  }

  @SuppressWarnings("unchecked")
  private static SpecificDatumReader<SpecificRecord> reader(SpecificRecord event) {
    return new SpecificDatumReader<>((Class<SpecificRecord>) event.getClass());
  }

  static byte[] encode(SpecificRecord event) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecord>(event.getSchema(), SpecificData.getForSchema(event.getSchema()))
        .write(event, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
