package io.spinestream.producer.dicom;

/**
 * RLE Lossless (PS3.5 Annex G) for one frame of single-sample pixels: a 64-byte header of 16 little-endian
 * uint32 (segment count, then segment offsets), then one PackBits segment per byte of the sample, most
 * significant byte first.
 */
final class RleDecoder {
  private static final int HEADER_LENGTH = 64;

  private RleDecoder() {}

  /** 8-bit samples. */
  static byte[] decode8(byte[] frame, int pixelCount) throws PixelDecodeException {
    int[] offsets = segmentOffsets(frame, 1);
    byte[] out = new byte[pixelCount];
    unpack(frame, offsets[0], segmentEnd(frame, offsets, 0), out, 0);
    return out;
  }

  /** 16-bit samples, as raw words. */
  static short[] decode16(byte[] frame, int pixelCount) throws PixelDecodeException {
    int[] offsets = segmentOffsets(frame, 2);
    byte[] high = new byte[pixelCount];
    byte[] low = new byte[pixelCount];
    unpack(frame, offsets[0], segmentEnd(frame, offsets, 0), high, 0);
    unpack(frame, offsets[1], segmentEnd(frame, offsets, 1), low, 1);
    short[] out = new short[pixelCount];
    for (int i = 0; i < pixelCount; i++) {
      out[i] = (short) ((high[i] & 0xFF) << 8 | (low[i] & 0xFF));
    }
    return out;
  }

  private static int[] segmentOffsets(byte[] frame, int expectedSegments) throws PixelDecodeException {
    if (frame.length < HEADER_LENGTH) {
      throw new PixelDecodeException("RLE frame of " + frame.length + " bytes is shorter than its 64-byte header");
    }
    long segments = u32(frame, 0);
    if (segments != expectedSegments) {
      throw new PixelDecodeException("RLE frame has " + segments + " segments, expected " + expectedSegments);
    }
    int[] offsets = new int[expectedSegments];
    for (int s = 0; s < expectedSegments; s++) {
      long offset = u32(frame, 4 + 4 * s);
      if (offset < HEADER_LENGTH || offset > frame.length || (s > 0 && offset < offsets[s - 1])) {
        throw new PixelDecodeException("RLE segment " + s + " has invalid offset " + offset
            + " in a frame of " + frame.length + " bytes");
      }
      offsets[s] = (int) offset;
    }
    return offsets;
  }

  private static int segmentEnd(byte[] frame, int[] offsets, int segment) {
    return segment + 1 < offsets.length ? offsets[segment + 1] : frame.length;
  }

  /** PackBits: n in 0..127 copies n + 1 literal bytes, n in -127..-1 repeats the next byte 1 - n times. */
  private static void unpack(byte[] in, int start, int end, byte[] out, int segment) throws PixelDecodeException {
    int pos = start;
    int o = 0;
    int length = out.length;
    while (o < length) {
      if (pos >= end) {
        throw new PixelDecodeException("RLE segment " + segment + " ends after " + o + " of " + length + " bytes");
      }
      int n = in[pos++];
      if (n >= 0) {
        int count = n + 1;
        if (pos + count > end || o + count > length) {
          throw new PixelDecodeException("RLE segment " + segment + " literal run overflows at byte " + o);
        }
        System.arraycopy(in, pos, out, o, count);
        pos += count;
        o += count;
      } else if (n != -128) {
        int count = 1 - n;
        if (pos >= end || o + count > length) {
          throw new PixelDecodeException("RLE segment " + segment + " replicate run overflows at byte " + o);
        }
        byte value = in[pos++];
        for (int i = 0; i < count; i++) {
          out[o++] = value;
        }
      }
    }
  }

  private static long u32(byte[] b, int pos) {
    return (b[pos] & 0xFFL) | (b[pos + 1] & 0xFFL) << 8 | (b[pos + 2] & 0xFFL) << 16 | (b[pos + 3] & 0xFFL) << 24;
  }
}
