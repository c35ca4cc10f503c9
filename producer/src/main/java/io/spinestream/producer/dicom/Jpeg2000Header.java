package io.spinestream.producer.dicom;

/**
 * The image size a JPEG 2000 codestream declares in its SIZ marker segment (ITU-T T.800 A.5.1), read before the
 * codestream is handed to the decoder: JAI allocates the image the codestream declares, so a 512 x 512 slice whose
 * codestream claims 60000 x 60000 would take gigabytes. Also finds the codestream inside a JP2 file ('jp2c' box),
 * which some writers put into DICOM although the standard wants the bare codestream.
 *
 * @param columns Xsiz - XOsiz
 * @param rows Ysiz - YOsiz
 * @param components Csiz
 */
record Jpeg2000Header(long columns, long rows, int components) {
  private static final int SOC = 0xFF4F;
  private static final int SIZ = 0xFF51;

  static Jpeg2000Header read(byte[] data) throws PixelDecodeException {
    int start = codestreamStart(data);
    if (u16(data, start) != SOC || u16(data, start + 2) != SIZ) {
      throw new PixelDecodeException("not a JPEG 2000 codestream (no SOC followed by SIZ)");
    }
    int siz = start + 4; // Lsiz
    if (data.length < siz + 38) {
      throw new PixelDecodeException("JPEG 2000 SIZ marker segment is cut off");
    }
    long xsiz = u32(data, siz + 4);
    long ysiz = u32(data, siz + 8);
    long xosiz = u32(data, siz + 12);
    long yosiz = u32(data, siz + 16);
    int components = u16(data, siz + 36);
    if (xosiz > xsiz || yosiz > ysiz) {
      throw new PixelDecodeException("JPEG 2000 SIZ has its image offset beyond its size");
    }
    return new Jpeg2000Header(xsiz - xosiz, ysiz - yosiz, components);
  }

  /** 0 for a bare codestream; after the 'jp2c' box header for a JP2 file. */
  private static int codestreamStart(byte[] data) throws PixelDecodeException {
    if (data.length >= 12 && u32(data, 0) == 12 && u32(data, 4) == 0x6A502020L) { // JP2 signature box
      long offset = 0;
      while (offset + 8 <= data.length) {
        long length = u32(data, (int) offset);
        long type = u32(data, (int) offset + 4);
        int header = 8;
        if (length == 1) {
          if (offset + 16 > data.length) {
            break;
          }
          length = (u32(data, (int) offset + 8) << 32) | u32(data, (int) offset + 12);
          header = 16;
        }
        if (type == 0x6A703263L) { // 'jp2c'
          return (int) offset + header;
        }
        if (length < header) {
          break; // 0 = to the end of the file, which is not 'jp2c': nothing more to find
        }
        offset += length;
      }
      throw new PixelDecodeException("JP2 file without a codestream box ('jp2c')");
    }
    return 0;
  }

  private static int u16(byte[] b, int offset) {
    if (offset + 2 > b.length) {
      return -1;
    }
    return (b[offset] & 0xFF) << 8 | (b[offset + 1] & 0xFF);
  }

  private static long u32(byte[] b, int offset) {
    return (long) u16(b, offset) << 16 | u16(b, offset + 2);
  }
}
