package io.spinestream.producer.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gate in front of PixelMed, with hand-made PDUs over real sockets: who is let in, what a peer gets when it is
 * not, and that no PDU or object beyond the limits is read. (Real senders: {@code CStoreSecurityIT}.)
 */
class DicomListenerTest {
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<byte[]> served = new LinkedBlockingQueue<>();
  private DicomListener listener;

  private final DicomListener.Events recorder = new DicomListener.Events() {
    @Override
    public void refused(String reason, String callingAeTitle, String peer, String detail) {
      events.add(reason + " " + callingAeTitle + " " + peer);
    }

    @Override
    public void objectTooLarge(String callingAeTitle, String peer, long bytesReceived, long limit) {
      events.add("OBJECT_TOO_LARGE " + callingAeTitle + " " + bytesReceived + " " + limit);
    }
  };

  /** A handler that reads everything the peer sends, as PixelMed would, and records it. */
  private final DicomListener.AssociationHandler reader = (socket, calling) -> {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        all.write(buffer, 0, n);
      }
    } finally {
      served.add(all.toByteArray());
    }
  };

  private int start(Set<String> allowed, int maxAssociations, long maxObject, DicomListener.AssociationHandler handler)
      throws IOException {
    listener = new DicomListener(0, new DicomListener.Limits(allowed, maxAssociations, 64 * 1024, maxObject), recorder,
        handler);
    listener.start();
    return listener.port();
  }

  @AfterEach
  void stop() {
    if (listener != null) {
      listener.close();
    }
  }

  @Test
  void shouldRejectACallingAeTitleNotOnTheAllowListWithAnAssociateReject() throws Exception {
    int port = start(Set.of("CT_1", "PACS"), 4, 1 << 20, reader);
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(associateRq("SPINESTREAM", "INTRUDER"));
      byte[] answer = new DataInputStream(peer.getInputStream()).readNBytes(10);
      // A-ASSOCIATE-RJ: rejected-permanent, by the service user, calling AE title not recognized.
      assertThat(answer).containsExactly(0x03, 0, 0, 0, 0, 4, 0, 1, 1, 3);
      assertThat(peer.getInputStream().read()).as("then closed").isEqualTo(-1);
    }
    String event = events.poll(10, TimeUnit.SECONDS);
    assertThat(event).startsWith("CALLING_AE_NOT_ALLOWED INTRUDER /127.0.0.1:");
    assertThat(served).as("PixelMed never saw it").isEmpty();
  }

  @Test
  void shouldPassAnAllowedAssociationOnWithItsRequestIntact() throws Exception {
    int port = start(Set.of("CT_1"), 4, 1 << 20, reader);
    byte[] request = associateRq("SPINESTREAM", "ct_1");
    byte[] data = pData(new byte[300], true);
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(request);
      peer.getOutputStream().write(data);
      peer.shutdownOutput();
      byte[] seen = served.poll(10, TimeUnit.SECONDS);
      assertThat(seen).as("the handler reads the A-ASSOCIATE-RQ and then the rest, byte for byte")
          .isEqualTo(concat(request, data));
    }
    assertThat(events).isEmpty();
  }

  @Test
  void shouldAcceptAnyCallingAeTitleWithoutAnAllowList() throws Exception {
    int port = start(Set.of(), 4, 1 << 20, reader);
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(associateRq("SPINESTREAM", "ANYONE"));
      peer.shutdownOutput();
      assertThat(served.poll(10, TimeUnit.SECONDS)).hasSize(associateRq("SPINESTREAM", "ANYONE").length);
    }
  }

  @Test
  void shouldAbortAPduThatClaimsGigabytesInsteadOfAllocatingThem() throws Exception {
    int port = start(Set.of(), 4, 1 << 20, reader);
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(associateRq("SPINESTREAM", "EVIL"));
      // A P-DATA-TF header claiming 2 GiB - 16 bytes: PixelMed alone would try to allocate it.
      peer.getOutputStream().write(new byte[] {0x04, 0, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0});
      byte[] answer = new DataInputStream(peer.getInputStream()).readNBytes(10);
      assertThat(answer).as("A-ABORT, service provider, invalid PDU parameter value")
          .containsExactly(0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6);
    }
    assertThat(events.poll(10, TimeUnit.SECONDS)).startsWith("PDU_TOO_LARGE EVIL");
    assertThat(served.poll(10, TimeUnit.SECONDS)).as("the handler got the request only")
        .hasSize(associateRq("SPINESTREAM", "EVIL").length);

    // The listener goes on: the next association is served.
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(associateRq("SPINESTREAM", "NEXT"));
      peer.shutdownOutput();
      assertThat(served.poll(10, TimeUnit.SECONDS)).isNotNull();
    }
  }

  @Test
  void shouldAbortAnObjectLargerThanTheLimitButCountEachObjectOnItsOwn() throws Exception {
    int port = start(Set.of(), 4, 1000, reader);
    try (Socket peer = new Socket("127.0.0.1", port)) {
      peer.getOutputStream().write(associateRq("SPINESTREAM", "CT_1"));
      // Two objects of 900 bytes each (two fragments, the second flagged last): each is within the limit.
      for (int object = 0; object < 2; object++) {
        peer.getOutputStream().write(pData(new byte[450], false));
        peer.getOutputStream().write(command());
        peer.getOutputStream().write(pData(new byte[450], true));
      }
      // A third of 1500 bytes in fragments: aborted when it passes 1000.
      for (int fragment = 0; fragment < 3; fragment++) {
        peer.getOutputStream().write(pData(new byte[500], false));
      }
      byte[] answer = new DataInputStream(peer.getInputStream()).readNBytes(10);
      assertThat(answer[0]).as("A-ABORT").isEqualTo((byte) 0x07);
    }
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("OBJECT_TOO_LARGE CT_1 1500 1000");
    assertThat(events).isEmpty();
  }

  @Test
  void shouldRejectAssociationsBeyondTheLimitAsTransient() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    int port = start(Set.of(), 1, 1 << 20, (socket, calling) -> {
      busy.countDown();
      release.await(30, TimeUnit.SECONDS);
    });
    try (Socket first = new Socket("127.0.0.1", port)) {
      first.getOutputStream().write(associateRq("SPINESTREAM", "FIRST"));
      assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
      try (Socket second = new Socket("127.0.0.1", port)) {
        second.getOutputStream().write(associateRq("SPINESTREAM", "SECOND"));
        byte[] answer = new DataInputStream(second.getInputStream()).readNBytes(10);
        // rejected-transient, service provider (presentation), local limit exceeded
        assertThat(answer).containsExactly(0x03, 0, 0, 0, 0, 4, 0, 2, 3, 2);
      }
    } finally {
      release.countDown();
    }
    assertThat(events.poll(10, TimeUnit.SECONDS)).startsWith("TOO_MANY_ASSOCIATIONS");
  }

  /** An A-ASSOCIATE-RQ header with the AE titles (PS3.8 9.3.2); no items: the gate reads no further. */
  static byte[] associateRq(String called, String calling) {
    ByteBuffer body = ByteBuffer.allocate(68);
    body.putShort((short) 1).putShort((short) 0).put(ae(called)).put(ae(calling)).put(new byte[32]);
    return pdu(0x01, body.array());
  }

  private static byte[] ae(String title) {
    byte[] padded = new byte[16];
    Arrays.fill(padded, (byte) ' ');
    byte[] text = title.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, padded, 0, text.length);
    return padded;
  }

  /** A P-DATA-TF with one data PDV (message control header: bit 1 = last fragment). */
  private static byte[] pData(byte[] data, boolean last) {
    return pdu(0x04, pdv(data, last ? 0x02 : 0x00));
  }

  /** A P-DATA-TF with one (last) command fragment: not part of any object's size. */
  private static byte[] command() {
    return pdu(0x04, pdv(new byte[100], 0x03));
  }

  private static byte[] pdv(byte[] data, int control) {
    return ByteBuffer.allocate(6 + data.length).putInt(2 + data.length).put((byte) 1).put((byte) control).put(data)
        .array();
  }

  private static byte[] pdu(int type, byte[] body) {
    return ByteBuffer.allocate(6 + body.length).put((byte) type).put((byte) 0).putInt(body.length).put(body).array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List.of(parts).forEach(out::writeBytes);
    return out.toByteArray();
  }
}
