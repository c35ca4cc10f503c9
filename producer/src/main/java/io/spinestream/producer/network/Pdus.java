package io.spinestream.producer.network;

import java.nio.charset.StandardCharsets;

/**
 * The few DICOM upper-layer PDUs (PS3.8 section 9.3) the receiver reads or writes before PixelMed takes over: the
 * header of every PDU, the AE titles of an A-ASSOCIATE-RQ, the PDV items of a P-DATA-TF, and A-ASSOCIATE-RJ and
 * A-ABORT to answer with.
 */
final class Pdus {
  static final int HEADER = 6;
  static final int ASSOCIATE_RQ = 0x01;
  static final int P_DATA_TF = 0x04;

  /** A-ASSOCIATE-RJ result, source and reason (PS3.8 table 9-21). */
  record Rejection(int result, int source, int reason, String text) {
    /** Permanent, by the service user: calling AE title not recognized. */
    static final Rejection CALLING_AE_NOT_RECOGNIZED = new Rejection(1, 1, 3, "calling AE title not recognized");
    /** Transient, by the service provider (presentation): local limit exceeded. */
    static final Rejection LOCAL_LIMIT_EXCEEDED = new Rejection(2, 3, 2, "local limit exceeded");
  }

  private Pdus() {}

  static int type(byte[] header) {
    return header[0] & 0xFF;
  }

  /** The PDU length of a header: bytes after the 6-byte header (unsigned 32 bits). */
  static long length(byte[] header) {
    return u32(header, 2);
  }

  /** The calling AE title of a whole A-ASSOCIATE-RQ PDU (header included), trimmed; null if too short. */
  static String callingAeTitle(byte[] associateRq) {
    return aeTitle(associateRq, 26);
  }

  static String calledAeTitle(byte[] associateRq) {
    return aeTitle(associateRq, 10);
  }

  private static String aeTitle(byte[] pdu, int offset) {
    if (pdu.length < offset + 16) {
      return null;
    }
    return new String(pdu, offset, 16, StandardCharsets.US_ASCII).trim();
  }

  static byte[] associateReject(Rejection rejection) {
    return new byte[] {0x03, 0, 0, 0, 0, 4, 0, (byte) rejection.result(), (byte) rejection.source(),
        (byte) rejection.reason()};
  }

  /** A-ABORT by the service provider with "invalid PDU parameter value" (PS3.8 table 9-26, reason 6). */
  static byte[] abortInvalidParameter() {
    return new byte[] {0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6};
  }

  /** For logs: an AE title as sent, without control characters a peer could use to forge log lines. */
  static String printable(String text) {
    if (text == null) {
      return "(none)";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return out.toString();
  }

  static long u32(byte[] b, int offset) {
    return (b[offset] & 0xFFL) << 24 | (b[offset + 1] & 0xFFL) << 16 | (b[offset + 2] & 0xFFL) << 8
        | (b[offset + 3] & 0xFFL);
  }
}
