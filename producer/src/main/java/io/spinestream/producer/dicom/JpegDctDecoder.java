package io.spinestream.producer.dicom;

/**
 * Sequential DCT JPEG with Huffman coding (ISO 10918-1 processes 1, 2 and 4; SOF0/SOF1), one component, 8 or
 * 12 bits per sample. It exists for DICOM's JPEG Extended 12-bit (1.2.840.10008.1.2.4.51), which neither the
 * JDK nor TwelveMonkeys decodes; 8-bit streams go to ImageIO. Not thread-safe: one instance per frame.
 *
 * <p>The inverse DCT is computed in double precision, so samples can differ by one from libjpeg's integer IDCT.
 */
final class JpegDctDecoder {
  /** Position k of the zig-zag sequence is coefficient ZIGZAG[k] in row-major order. */
  private static final int[] ZIGZAG = {
      0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
      12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
      35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
      58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
  /** IDCT basis: COS[x * 8 + u] = c(u) cos((2x + 1) u pi / 16), c(0) = sqrt(1/8), else 1/2. */
  private static final double[] COS = new double[64];

  static {
    for (int x = 0; x < 8; x++) {
      for (int u = 0; u < 8; u++) {
        double c = u == 0 ? Math.sqrt(0.125) : 0.5;
        COS[x * 8 + u] = c * Math.cos((2 * x + 1) * u * Math.PI / 16);
      }
    }
  }

  /**
   * The frame header of a JPEG stream.
   *
   * @param sofMarker second byte of the SOF marker: 0xC0 baseline, 0xC1 extended, 0xC3 lossless, ...
   */
  record FrameHeader(int sofMarker, int precision, int rows, int columns, int components) {
    boolean isSequentialHuffman() {
      return sofMarker == 0xC0 || sofMarker == 0xC1;
    }

    boolean isLosslessHuffman() {
      return sofMarker == 0xC3;
    }
  }

  /** One decoded frame: samples row-major, 0 .. 2^precision - 1. */
  record Image(int rows, int columns, short[] samples) {}

  private final byte[] data;
  private int pos;
  private final int[][] quantization = new int[4][];
  private final HuffmanTable[] dcTables = new HuffmanTable[4];
  private final HuffmanTable[] acTables = new HuffmanTable[4];
  private int restartInterval;
  private FrameHeader frame;
  private int componentId;
  private int quantizationSelector;

  // Entropy-coded data: bits left-aligned in bitBuffer; bytes past a marker or the end read as zeros.
  private int bitBuffer;
  private int bitCount;
  private int realBits;
  private int bitsPastEnd;
  private boolean markerReached;

  private JpegDctDecoder(byte[] data) {
    this.data = data;
  }

  /** The frame header (SOFn) of a JPEG stream, without decoding it. */
  static FrameHeader readFrameHeader(byte[] data) throws PixelDecodeException {
    var parser = new JpegDctDecoder(data);
    parser.expectSoi();
    while (true) {
      int marker = parser.nextMarker();
      if (isSof(marker)) {
        return parser.readSof(marker, false);
      }
      if (marker == 0xDA || marker == 0xD9) {
        throw new PixelDecodeException("JPEG stream has no frame header (SOF) before " + markerName(marker));
      }
      parser.skipSegment(marker);
    }
  }

  static Image decode(byte[] data) throws PixelDecodeException {
    try {
      return new JpegDctDecoder(data).decode();
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new PixelDecodeException("JPEG stream is corrupt or ends early", e);
    }
  }

  private Image decode() throws PixelDecodeException {
    expectSoi();
    while (true) {
      int marker = nextMarker();
      switch (marker) {
        case 0xC0, 0xC1 -> frame = readSof(marker, true);
        case 0xC4 -> readHuffmanTables();
        case 0xDB -> readQuantizationTables();
        case 0xDD -> readRestartInterval();
        case 0xDA -> {
          return decodeScan();
        }
        case 0xD9 -> throw new PixelDecodeException("JPEG stream ends (EOI) before any scan");
        default -> {
          if (isSof(marker) || marker == 0xCC) {
            throw new PixelDecodeException("JPEG process " + markerName(marker)
                + " is not sequential Huffman DCT (SOF0/SOF1)");
          }
          skipSegment(marker);
        }
      }
    }
  }

  private void expectSoi() throws PixelDecodeException {
    if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != 0xD8) {
      throw new PixelDecodeException("not a JPEG stream (no SOI marker)");
    }
    pos = 2;
  }

  private int nextMarker() throws PixelDecodeException {
    while (pos < data.length && (data[pos] & 0xFF) != 0xFF) {
      pos++;
    }
    while (pos < data.length && (data[pos] & 0xFF) == 0xFF) {
      pos++;
    }
    if (pos >= data.length) {
      throw new PixelDecodeException("JPEG stream ends before its image data");
    }
    return data[pos++] & 0xFF;
  }

  private void skipSegment(int marker) throws PixelDecodeException {
    boolean standalone = marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7);
    if (!standalone) {
      pos += segmentLength();
    }
  }

  private int segmentLength() throws PixelDecodeException {
    if (pos + 2 > data.length) {
      throw new PixelDecodeException("JPEG marker segment runs past the end of the stream");
    }
    int length = u16(pos);
    if (length < 2 || pos + length > data.length) {
      throw new PixelDecodeException("JPEG marker segment of length " + length + " runs past the end of the stream");
    }
    return length;
  }

  private static boolean isSof(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static String markerName(int marker) {
    return isSof(marker) ? String.format("SOF%d", marker - 0xC0) : String.format("0xFF%02X", marker);
  }

  private FrameHeader readSof(int marker, boolean decoding) throws PixelDecodeException {
    int length = segmentLength();
    if (length < 8) {
      throw new PixelDecodeException("JPEG frame header too short");
    }
    int precision = data[pos + 2] & 0xFF;
    int rows = u16(pos + 3);
    int columns = u16(pos + 5);
    int components = data[pos + 7] & 0xFF;
    if (decoding) {
      if (components != 1) {
        throw new PixelDecodeException("JPEG frame has " + components + " components, only 1 is supported");
      }
      if (precision != 8 && precision != 12) {
        throw new PixelDecodeException("JPEG DCT precision " + precision + " (must be 8 or 12)");
      }
      if (rows == 0 || columns == 0) {
        throw new PixelDecodeException("JPEG frame of " + rows + " x " + columns + " (DNL is not supported)");
      }
      componentId = data[pos + 8] & 0xFF;
      quantizationSelector = data[pos + 10] & 0x03;
    }
    var header = new FrameHeader(marker, precision, rows, columns, components);
    pos += length;
    return header;
  }

  private void readHuffmanTables() throws PixelDecodeException {
    int end = pos + segmentLength();
    int p = pos + 2;
    while (p < end) {
      int tableClass = (data[p] & 0xFF) >> 4;
      int id = data[p] & 0x0F;
      if (id > 3 || tableClass > 1 || p + 17 > end) {
        throw new PixelDecodeException("invalid JPEG Huffman table header");
      }
      int[] counts = new int[17];
      int total = 0;
      for (int length = 1; length <= 16; length++) {
        counts[length] = data[p + length] & 0xFF;
        total += counts[length];
      }
      if (total > 256 || p + 17 + total > end) {
        throw new PixelDecodeException("invalid JPEG Huffman table of " + total + " codes");
      }
      int[] values = new int[total];
      for (int i = 0; i < total; i++) {
        values[i] = data[p + 17 + i] & 0xFF;
      }
      HuffmanTable table = new HuffmanTable(counts, values);
      if (tableClass == 0) {
        dcTables[id] = table;
      } else {
        acTables[id] = table;
      }
      p += 17 + total;
    }
    pos = end;
  }

  private void readQuantizationTables() throws PixelDecodeException {
    int end = pos + segmentLength();
    int p = pos + 2;
    while (p < end) {
      int precision = (data[p] & 0xFF) >> 4;
      int id = data[p] & 0x0F;
      int entryBytes = precision == 0 ? 1 : 2;
      if (id > 3 || precision > 1 || p + 1 + 64 * entryBytes > end) {
        throw new PixelDecodeException("invalid JPEG quantization table header");
      }
      int[] table = new int[64];
      for (int k = 0; k < 64; k++) {
        table[k] = entryBytes == 1 ? data[p + 1 + k] & 0xFF : u16(p + 1 + 2 * k);
      }
      quantization[id] = table;
      p += 1 + 64 * entryBytes;
    }
    pos = end;
  }

  private void readRestartInterval() throws PixelDecodeException {
    int length = segmentLength();
    restartInterval = u16(pos + 2);
    pos += length;
  }

  private Image decodeScan() throws PixelDecodeException {
    if (frame == null) {
      throw new PixelDecodeException("JPEG scan before frame header");
    }
    int length = segmentLength();
    int components = data[pos + 2] & 0xFF;
    if (components != 1 || (data[pos + 3] & 0xFF) != componentId) {
      throw new PixelDecodeException("JPEG scan does not code the frame's single component");
    }
    HuffmanTable dc = dcTables[(data[pos + 4] & 0xFF) >> 4];
    HuffmanTable ac = acTables[data[pos + 4] & 0x03];
    int[] q = quantization[quantizationSelector];
    if (dc == null || ac == null || q == null) {
      throw new PixelDecodeException("JPEG scan refers to an undefined Huffman or quantization table");
    }
    pos += length;

    int rows = frame.rows();
    int columns = frame.columns();
    int blocksPerLine = (columns + 7) / 8;
    int blockLines = (rows + 7) / 8;
    int levelShift = 1 << (frame.precision() - 1);
    int maxSample = (1 << frame.precision()) - 1;
    short[] samples = new short[rows * columns];
    int[] coefficients = new int[64];
    double[] work = new double[64];
    int predictor = 0;
    int untilRestart = restartInterval;
    for (int blockLine = 0; blockLine < blockLines; blockLine++) {
      for (int blockColumn = 0; blockColumn < blocksPerLine; blockColumn++) {
        if (restartInterval > 0) {
          if (untilRestart == 0) {
            restart();
            predictor = 0;
            untilRestart = restartInterval;
          }
          untilRestart--;
        }
        java.util.Arrays.fill(coefficients, 0);
        int size = decodeSymbol(dc);
        predictor += size == 0 ? 0 : extend(bits(size), size);
        coefficients[0] = predictor * q[0];
        for (int k = 1; k < 64; ) {
          int symbol = decodeSymbol(ac);
          int run = symbol >> 4;
          int amplitudeBits = symbol & 0x0F;
          if (amplitudeBits == 0) {
            if (run != 15) {
              break; // end of block
            }
            k += 16;
            continue;
          }
          k += run;
          if (k > 63) {
            throw new PixelDecodeException("JPEG AC coefficient run past the end of a block");
          }
          coefficients[ZIGZAG[k]] = extend(bits(amplitudeBits), amplitudeBits) * q[k];
          k++;
        }
        inverseDct(coefficients, work);
        int y0 = blockLine * 8;
        int x0 = blockColumn * 8;
        int height = Math.min(8, rows - y0);
        int width = Math.min(8, columns - x0);
        for (int y = 0; y < height; y++) {
          int row = (y0 + y) * columns + x0;
          for (int x = 0; x < width; x++) {
            long value = Math.round(work[y * 8 + x]) + levelShift;
            samples[row + x] = (short) Math.max(0, Math.min(maxSample, value));
          }
        }
      }
    }
    if (bitsPastEnd > 0) {
      throw new PixelDecodeException("JPEG entropy-coded data ends early (" + bitsPastEnd + " bits missing)");
    }
    return new Image(rows, columns, samples);
  }

  private static void inverseDct(int[] f, double[] out) {
    double[] rows = new double[64];
    for (int v = 0; v < 8; v++) {
      int base = v * 8;
      boolean zero = true;
      for (int u = 0; u < 8; u++) {
        if (f[base + u] != 0) {
          zero = false;
          break;
        }
      }
      if (zero) {
        continue;
      }
      for (int x = 0; x < 8; x++) {
        double sum = 0;
        for (int u = 0; u < 8; u++) {
          sum += f[base + u] * COS[x * 8 + u];
        }
        rows[base + x] = sum;
      }
    }
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        double sum = 0;
        for (int v = 0; v < 8; v++) {
          sum += COS[y * 8 + v] * rows[v * 8 + x];
        }
        out[y * 8 + x] = sum;
      }
    }
  }

  private void restart() throws PixelDecodeException {
    if (bitsPastEnd > 0) {
      throw new PixelDecodeException("JPEG restart interval ends early");
    }
    bitBuffer = 0;
    bitCount = 0;
    realBits = 0;
    markerReached = false;
    while (pos < data.length && (data[pos] & 0xFF) == 0xFF && pos + 1 < data.length
        && (data[pos + 1] & 0xFF) == 0xFF) {
      pos++; // fill bytes
    }
    if (pos + 1 >= data.length || (data[pos] & 0xFF) != 0xFF || (data[pos + 1] & 0xF8) != 0xD0) {
      throw new PixelDecodeException("JPEG restart marker missing at byte " + pos);
    }
    pos += 2;
  }

  private void fill() {
    while (bitCount <= 24) {
      int b = 0;
      boolean real = false;
      if (!markerReached && pos < data.length) {
        b = data[pos] & 0xFF;
        if (b != 0xFF) {
          pos++;
          real = true;
        } else if (pos + 1 < data.length && data[pos + 1] == 0) {
          pos += 2; // stuffed zero byte
          real = true;
        } else {
          markerReached = true;
          b = 0;
        }
      }
      bitBuffer |= b << (24 - bitCount);
      bitCount += 8;
      if (real) {
        realBits += 8;
      }
    }
  }

  private void consume(int n) {
    bitBuffer <<= n;
    bitCount -= n;
    if (n > realBits) {
      bitsPastEnd += n - realBits;
      realBits = 0;
    } else {
      realBits -= n;
    }
  }

  private int bits(int n) {
    fill();
    int value = bitBuffer >>> (32 - n);
    consume(n);
    return value;
  }

  private int decodeSymbol(HuffmanTable table) throws PixelDecodeException {
    fill();
    int entry = table.fast[bitBuffer >>> (32 - HuffmanTable.FAST_BITS)];
    if (entry != 0) {
      consume(entry >> 8);
      return entry & 0xFF;
    }
    for (int length = HuffmanTable.FAST_BITS + 1; length <= 16; length++) {
      int code = bitBuffer >>> (32 - length);
      if (code <= table.maxCode[length]) {
        consume(length);
        return table.values[table.valuePointer[length] + code - table.minCode[length]];
      }
    }
    throw new PixelDecodeException("invalid JPEG Huffman code");
  }

  private static int extend(int value, int size) {
    return value < (1 << (size - 1)) ? value - (1 << size) + 1 : value;
  }

  private int u16(int p) {
    return (data[p] & 0xFF) << 8 | (data[p + 1] & 0xFF);
  }

  /** Canonical Huffman table (ISO 10918-1 Annex C) with a lookup table for codes of up to 9 bits. */
  private static final class HuffmanTable {
    static final int FAST_BITS = 9;
    final int[] values;
    final int[] maxCode = new int[17];
    final int[] minCode = new int[17];
    final int[] valuePointer = new int[17];
    /** (length << 8 | value) by the next FAST_BITS bits; 0 when the code is longer. */
    final int[] fast = new int[1 << FAST_BITS];

    HuffmanTable(int[] counts, int[] values) throws PixelDecodeException {
      this.values = values;
      int code = 0;
      int k = 0;
      for (int length = 1; length <= 16; length++) {
        valuePointer[length] = k;
        minCode[length] = code;
        for (int i = 0; i < counts[length]; i++) {
          if (length <= FAST_BITS) {
            int shift = FAST_BITS - length;
            for (int fill = 0; fill < 1 << shift; fill++) {
              fast[(code << shift) | fill] = length << 8 | values[k];
            }
          }
          code++;
          k++;
        }
        maxCode[length] = counts[length] == 0 ? -1 : code - 1;
        if (code > 1 << length) {
          throw new PixelDecodeException("invalid JPEG Huffman table (code overflow at length " + length + ")");
        }
        code <<= 1;
      }
    }
  }
}
