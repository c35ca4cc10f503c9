package io.spinestream.phantom;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic DICOM UIDs in the {@code 2.25.<integer>} form of PS3.5 B.2: the integer is a name-based
 * (version 5, SHA-1) UUID of a name that encodes seed, study and role, so that the same options always give
 * the same UIDs and different studies never share one. At most 5 + 39 = 44 characters.
 */
final class Uids {
  /** Fixed namespace of phantom names: changing it would change every phantom UID ever generated. */
  private static final byte[] NAMESPACE = hex("6f1f2c9e8b0a5d7c9e4a3b2c1d0e5f6a");

  private Uids() {}

  static String of(String name) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(NAMESPACE);
      byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
      byte[] uuid = new byte[16];
      System.arraycopy(hash, 0, uuid, 0, 16);
      uuid[6] = (byte) ((uuid[6] & 0x0F) | 0x50); // version 5
      uuid[8] = (byte) ((uuid[8] & 0x3F) | 0x80); // IETF variant
      return "2.25." + new BigInteger(1, uuid);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }

  private static byte[] hex(String text) {
    byte[] bytes = new byte[text.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }
}
