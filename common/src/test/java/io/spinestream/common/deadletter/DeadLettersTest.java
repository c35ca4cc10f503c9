package io.spinestream.common.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.DeadLetter;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void shouldReferenceInputFilesWithoutCopyingThem() {
    DeadLetter letter = DeadLetters.forInput("producer", "TRUNCATED", "ends at byte 100", new IOException("eof"),
        "/inbox/a.dcm", null, 100, "/archive/failed/a.dcm");
    assertThat(letter.getPayload()).isNull();
    assertThat(letter.getPayloadReference()).isEqualTo("/archive/failed/a.dcm");
    assertThat(letter.getPayloadSize()).isEqualTo(100);
    assertThat(letter.getErrorClass()).isEqualTo("java.io.IOException");
    assertThat(letter.getKey()).isNull();
  }

  @Test
  void shouldKeepSmallRecordsInlineAndReferenceLargeOnes() {
    DeadLetter small = DeadLetters.forRecord("segmenter", "UNDESERIALIZABLE_RECORD", "bad", null, "spine.slices", 2, 17,
        "1.2.3", new byte[] {1, 2, 3});
    assertThat(small.getPayload().remaining()).isEqualTo(3);
    assertThat(small.getSource()).isEqualTo("spine.slices-2@17");
    DeadLetter large = DeadLetters.forRecord("segmenter", "UNDESERIALIZABLE_RECORD", "bad", null, "spine.slices", 2, 18,
        "1.2.3", new byte[DeadLetters.MAX_INLINE_PAYLOAD + 1]);
    assertThat(large.getPayload()).isNull();
    assertThat(large.getPayloadReference()).isEqualTo("spine.slices-2@18");
    assertThat(large.getPayloadSize()).isEqualTo(DeadLetters.MAX_INLINE_PAYLOAD + 1);
  }
}
