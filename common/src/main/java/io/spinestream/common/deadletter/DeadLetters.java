package io.spinestream.common.deadletter;

import io.spinestream.events.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Builds {@link DeadLetter} events. Two kinds of source: an input outside Kafka (a DICOM file, a C-STORE
 * object), which is referenced by path and never copied in, so no patient data reaches the topic; and a
 * record from a topic, whose bytes are kept inline (up to {@link #MAX_INLINE_PAYLOAD}) for re-driving.
 */
public final class DeadLetters {
  /** Larger payloads are referenced by topic, partition and offset only. */
  public static final int MAX_INLINE_PAYLOAD = 1024 * 1024;

  private DeadLetters() {}

  /**
   * An input outside Kafka.
   *
   * @param source where it came from, e.g. a file path or "C-STORE from CT_SCANNER_1"
   * @param key the StudyInstanceUID when known, else null
   * @param payloadReference where the input is kept now (e.g. a quarantine path), or null
   */
  public static DeadLetter forInput(String stage, String reasonCode, String reason, Throwable error, String source,
      String key, long payloadSize, String payloadReference) {
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setReasonCode(reasonCode)
        .setReason(reason)
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setSource(source)
        .setKey(key)
        .setPayloadSize(payloadSize)
        .setPayloadReference(payloadReference)
        .setOccurredAt(Instant.now())
        .build();
  }

  /** A record from a topic that could not be processed. */
  public static DeadLetter forRecord(String stage, String reasonCode, String reason, Throwable error, String topic,
      int partition, long offset, String key, byte[] payload) {
    boolean inline = payload != null && payload.length <= MAX_INLINE_PAYLOAD;
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setReasonCode(reasonCode)
        .setReason(reason)
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setSource(topic + "-" + partition + "@" + offset)
        .setKey(key)
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setPayload(inline ? ByteBuffer.wrap(payload) : null)
        .setPayloadSize(payload == null ? -1 : payload.length)
        .setPayloadReference(inline || payload == null ? null : topic + "-" + partition + "@" + offset)
        .setOccurredAt(Instant.now())
        .build();
  }
}
