package io.spinestream.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one in-memory payload that never allocates more than the payload can hold.
 *
 * <p>Why not Avro's own {@code BinaryDecoder}: it allocates whatever a length prefix or block count says
 * before reading, so one corrupt record ("string of 1 GB") takes a whole service down with
 * OutOfMemoryError. Here every string, bytes and collection-block length is checked against the bytes
 * actually left, and a lie is an {@link IOException} naming the offset.
 *
 * <p>One consequence: a collection block may not declare more items than bytes remain, which rules out
 * blocks of more than that many zero-size items (arrays of nulls); no SpineStream schema has those.
 */
final class BoundedBinaryDecoder extends Decoder {
  private final byte[] buffer;
  private final int end;
  private int position;

  BoundedBinaryDecoder(byte[] buffer, int offset, int length) {
    this.buffer = buffer;
    this.position = offset;
    this.end = offset + length;
  }

  /** Bytes not yet read. */
  int remaining() {
    return end - position;
  }

  @Override
  public void readNull() {
    // A null is encoded as zero bytes.
  }

  @Override
  public boolean readBoolean() throws IOException {
    int value = readByte();
    if (value > 1) {
      throw corrupt("boolean byte " + value + " is neither 0 nor 1");
    }
    return value == 1;
  }

  @Override
  public int readInt() throws IOException {
    int start = position;
    int raw = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = readByte();
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 28 && (b & 0x70) != 0) {
          break;
        }
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw corruptAt(start, "invalid int varint");
  }

  @Override
  public long readLong() throws IOException {
    int start = position;
    long raw = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      long b = readByte();
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 63 && (b & 0x7e) != 0) {
          break;
        }
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw corruptAt(start, "invalid long varint");
  }

  @Override
  public float readFloat() throws IOException {
    require(4, "float");
    int bits = (buffer[position] & 0xff) | (buffer[position + 1] & 0xff) << 8
        | (buffer[position + 2] & 0xff) << 16 | (buffer[position + 3] & 0xff) << 24;
    position += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    require(8, "double");
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (buffer[position + i] & 0xff);
    }
    position += 8;
    return Double.longBitsToDouble(bits);
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = readLength("string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    System.arraycopy(buffer, position, result.getBytes(), 0, length);
    position += length;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = readLength("string");
    String value = new String(buffer, position, length, StandardCharsets.UTF_8);
    position += length;
    return value;
  }

  @Override
  public void skipString() throws IOException {
    position += readLength("string");
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = readLength("bytes");
    ByteBuffer result;
    if (old != null && old.capacity() >= length) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    result.put(buffer, position, length);
    result.flip();
    position += length;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    position += readLength("bytes");
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    require(length, "fixed");
    System.arraycopy(buffer, position, bytes, start, length);
    position += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    require(length, "fixed");
    position += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public long readArrayStart() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long arrayNext() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array");
  }

  @Override
  public long readMapStart() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long mapNext() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map");
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  /** Items in the next block; a negative count is followed by the block's byte size, which we skip. */
  private long readBlockCount(String what) throws IOException {
    int start = position;
    long count = readLong();
    if (count < 0) {
      if (count == Long.MIN_VALUE) {
        throw corruptAt(start, what + " block count out of range");
      }
      count = -count;
      long size = readLong();
      if (size < 0 || size > remaining()) {
        throw corruptAt(start, what + " block of " + size + " bytes but only " + remaining() + " left");
      }
    }
    if (count > remaining()) {
      throw corruptAt(start, what + " block of " + count + " items but only " + remaining() + " bytes left");
    }
    return count;
  }

  /** Skips blocks that carry their byte size; returns the item count of the first block that does not. */
  private long skipBlocks(String what) throws IOException {
    while (true) {
      int start = position;
      long count = readLong();
      if (count >= 0) {
        if (count > remaining()) {
          throw corruptAt(start, what + " block of " + count + " items but only " + remaining() + " bytes left");
        }
        return count;
      }
      long size = readLong();
      if (size < 0 || size > remaining()) {
        throw corruptAt(start, what + " block of " + size + " bytes but only " + remaining() + " left");
      }
      position += (int) size;
    }
  }

  private int readLength(String what) throws IOException {
    int start = position;
    long length = readLong();
    if (length < 0) {
      throw corruptAt(start, what + " length " + length + " is negative");
    }
    if (length > remaining()) {
      throw corruptAt(start, what + " of " + length + " bytes but only " + remaining() + " left");
    }
    return (int) length;
  }

  private int readByte() throws IOException {
    if (position >= end) {
      throw new EOFException("Avro data ends early at byte " + position);
    }
    return buffer[position++] & 0xff;
  }

  private void require(int length, String what) throws IOException {
    if (length < 0 || length > remaining()) {
      throw corrupt(what + " of " + length + " bytes but only " + remaining() + " left");
    }
  }

  private IOException corrupt(String message) {
    return corruptAt(position, message);
  }

  private static IOException corruptAt(int offset, String message) {
    return new IOException(message + " (at byte " + offset + ")");
  }
}
