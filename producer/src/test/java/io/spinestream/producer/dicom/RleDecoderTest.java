package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class RleDecoderTest {

  @Test
  void shouldExpandLiteralAndReplicateRunsAndSkipNoOps() throws Exception {
    byte[] segment = {2, 10, 20, 30, (byte) -3, 7, (byte) -128, 0, 99};
    byte[] frame = frame(segment);

    assertThat(RleDecoder.decode8(frame, 8)).containsExactly(10, 20, 30, 7, 7, 7, 7, 99);
  }

  @Test
  void shouldCombineHighAndLowByteSegmentsInto16BitWords() throws Exception {
    byte[] high = {(byte) -1, (byte) 0xF8, 1, 0x00, 0x7F};
    byte[] low = {3, 0x30, 0x01, (byte) 0xFF, 0x00};
    byte[] frame = frame(high, low);

    assertThat(RleDecoder.decode16(frame, 4)).containsExactly((short) 0xF830, (short) 0xF801, 0x00FF, 0x7F00);
  }

  @Test
  void shouldRejectAFrameWhoseSegmentCountDoesNotMatchTheSampleSize() {
    byte[] frame = frame(new byte[] {0, 1});

    assertThatThrownBy(() -> RleDecoder.decode16(frame, 1))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("1 segments, expected 2");
  }

  @Test
  void shouldRejectASegmentThatEndsBeforeTheImageIsFull() {
    byte[] frame = frame(new byte[] {(byte) -2, 5});

    assertThatThrownBy(() -> RleDecoder.decode8(frame, 4))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("ends after 3 of 4 bytes");
  }

  @Test
  void shouldRejectARunThatOverflowsTheImage() {
    byte[] frame = frame(new byte[] {(byte) -9, 5});

    assertThatThrownBy(() -> RleDecoder.decode8(frame, 4)).isInstanceOf(PixelDecodeException.class);
  }

  @Test
  void shouldRejectAFrameShorterThanItsHeader() {
    assertThatThrownBy(() -> RleDecoder.decode8(new byte[10], 4))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("64-byte header");
  }

  /** A PS3.5 Annex G frame: header with the segment count and offsets, then the segments. */
  private static byte[] frame(byte[]... segments) {
    var out = new ByteArrayOutputStream();
    writeInt(out, segments.length);
    int offset = 64;
    for (int i = 0; i < 15; i++) {
      writeInt(out, i < segments.length ? offset : 0);
      if (i < segments.length) {
        offset += segments[i].length;
      }
    }
    for (byte[] segment : segments) {
      out.writeBytes(segment);
    }
    return out.toByteArray();
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.write(value);
    out.write(value >> 8);
    out.write(value >> 16);
    out.write(value >> 24);
  }
}
