package io.spinestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  @Test
  void shouldWriteMagicByteThenBigEndianId() {
    assertThat(WireFormat.header(0x01020304)).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void shouldReadTheIdBack() {
    byte[] payload = {0, 0, 0, 1, 0x2a, 7, 7};
    assertThat(WireFormat.schemaId("t", payload)).isEqualTo(298);
  }

  @Test
  void shouldRejectWrongMagicByteNamingIt() {
    byte[] json = "{\"a\":1}".getBytes();
    assertThatThrownBy(() -> WireFormat.schemaId("spine.slices", json))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("spine.slices")
        .hasMessageContaining("unknown magic byte 0x7b");
  }

  @Test
  void shouldRejectPayloadShorterThanHeader() {
    assertThatThrownBy(() -> WireFormat.schemaId("t", new byte[] {0, 0, 1}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("3 byte(s) is too short");
  }
}
