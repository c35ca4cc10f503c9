package io.spinestream.producer.network;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * What PixelMed reads from a peer, one whole PDU at a time, checked first. PixelMed allocates whatever a PDU header
 * claims (a 6-byte header saying 2 GiB is an {@code OutOfMemoryError}), so no PDU longer than the limit is read: the
 * association is aborted instead. P-DATA-TF PDUs are opened to add up the data of each object (the PDV fragments up
 * to the one flagged last), so an object larger than the limit is aborted before it fills the spool.
 *
 * <p>The first PDU can be looked at before PixelMed reads it ({@link #firstPdu()}), which is how the calling AE
 * title is checked.
 */
final class PduGuardStream extends InputStream {
  /** Why the peer's data cannot be accepted; the stream has stopped. */
  static final class Violation extends IOException {
    private final boolean objectTooLarge;
    private final long bytes;

    Violation(String message, boolean objectTooLarge, long bytes) {
      super(message);
      this.objectTooLarge = objectTooLarge;
      this.bytes = bytes;
    }

    /** True when an object exceeded the object limit (else: a PDU exceeded the PDU limit). */
    boolean objectTooLarge() {
      return objectTooLarge;
    }

    long bytes() {
      return bytes;
    }
  }

  /** Told about a violation before the stream fails, so the peer can be sent an A-ABORT. */
  interface ViolationHandler {
    void onViolation(Violation violation);
  }

  private final InputStream in;
  private final int maxPduBytes;
  private final long maxObjectBytes;
  private final ViolationHandler handler;
  private byte[] current = new byte[0];
  private int position;
  private long objectBytes;
  private Violation failed;

  PduGuardStream(InputStream in, int maxPduBytes, long maxObjectBytes, ViolationHandler handler) {
    this.in = in;
    this.maxPduBytes = maxPduBytes;
    this.maxObjectBytes = maxObjectBytes;
    this.handler = handler;
  }

  /** Reads the first PDU (if not yet read) and returns it whole; PixelMed still reads it from the start. */
  byte[] firstPdu() throws IOException {
    if (current.length == 0 && !next()) {
      throw new EOFException("the peer closed the connection before sending a PDU");
    }
    return current;
  }

  @Override
  public int read() throws IOException {
    if (position == current.length && !next()) {
      return -1;
    }
    return current[position++] & 0xFF;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (position == current.length && !next()) {
      return -1;
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return current.length - position;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Reads and checks the next PDU; false at the end of the stream. */
  private boolean next() throws IOException {
    if (failed != null) {
      throw failed;
    }
    byte[] header = new byte[Pdus.HEADER];
    int first = in.read();
    if (first < 0) {
      return false;
    }
    header[0] = (byte) first;
    readFully(header, 1, Pdus.HEADER - 1);
    long length = Pdus.length(header);
    if (length > maxPduBytes) {
      fail(new Violation("PDU type 0x" + Integer.toHexString(Pdus.type(header)) + " of " + length
          + " bytes, more than the " + maxPduBytes + " accepted", false, length));
    }
    byte[] pdu = new byte[Pdus.HEADER + (int) length];
    System.arraycopy(header, 0, pdu, 0, Pdus.HEADER);
    readFully(pdu, Pdus.HEADER, (int) length);
    if (Pdus.type(pdu) == Pdus.P_DATA_TF) {
      countObjectBytes(pdu);
    }
    current = pdu;
    position = 0;
    return true;
  }

  /** PDV items: 4-byte length, presentation context id, message control header (bit 0 command, bit 1 last). */
  private void countObjectBytes(byte[] pdu) throws Violation {
    int offset = Pdus.HEADER;
    while (offset + 6 <= pdu.length) {
      long itemLength = Pdus.u32(pdu, offset);
      if (itemLength < 2 || offset + 4 + itemLength > pdu.length) {
        return; // malformed: PixelMed rejects it; nothing more to count here
      }
      int control = pdu[offset + 5] & 0xFF;
      if ((control & 0x01) == 0) {
        objectBytes += itemLength - 2;
        if (objectBytes > maxObjectBytes) {
          fail(new Violation("object of more than " + maxObjectBytes + " bytes (" + objectBytes
              + " received so far)", true, objectBytes));
        }
        if ((control & 0x02) != 0) {
          objectBytes = 0;
        }
      }
      offset += 4 + (int) itemLength;
    }
  }

  private void fail(Violation violation) throws Violation {
    failed = violation;
    handler.onViolation(violation);
    throw violation;
  }

  private void readFully(byte[] buffer, int offset, int length) throws IOException {
    int done = 0;
    while (done < length) {
      int n = in.read(buffer, offset + done, length - done);
      if (n < 0) {
        throw new EOFException("the peer closed the connection inside a PDU");
      }
      done += n;
    }
  }
}
