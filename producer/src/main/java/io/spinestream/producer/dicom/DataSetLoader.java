package io.spinestream.producer.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeList.ReadTerminationStrategy;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a file into a PixelMed {@link AttributeList} without decompressing its pixels, and tells apart the ways
 * that can fail: unreadable, too large, not DICOM, truncated.
 *
 * <p>PixelMed is lenient: when a value runs past the end of the data it logs the error and returns what it has,
 * and when the data ends inside an element header it just stops. So the loader parses from memory through a
 * position-counting stream, refuses any value length that runs past the end of the data (naming the tag), checks
 * that the last element PixelMed started was completed, and that the parse consumed every byte. A file cut exactly
 * between two elements is a valid, shorter data set; for a CT slice it then lacks its Pixel Data.
 *
 * <p>Deflated data sets are inflated here (bounded by the byte limit) so that a cut-off deflate stream is seen.
 */
final class DataSetLoader {
  private static final int PREAMBLE_LENGTH = 128;
  private static final int META_START = PREAMBLE_LENGTH + 4;
  private static final long UNDEFINED_LENGTH = 0xFFFFFFFFL;
  /** Explicit VRs with a reserved field and a 4-byte length. */
  private static final Set<String> LONG_LENGTH_VRS =
      Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

  /** A parsed data set and the transfer syntax its pixel data is encoded in. */
  record Loaded(AttributeList attributes, String transferSyntaxUid) {}

  private DataSetLoader() {}

  static Loaded load(Path file, long maxFileBytes) throws DicomRejectedException {
    String source = file.toString();
    byte[] bytes = readBounded(file, maxFileBytes);
    if (bytes.length == 0) {
      throw new DicomRejectedException(RejectionReason.NOT_DICOM, source + ": empty file");
    }
    boolean part10 = hasDicmPrefix(bytes);
    if (!part10 && !looksLikeRawDataSet(bytes)) {
      throw new DicomRejectedException(RejectionReason.NOT_DICOM,
          source + ": no DICM prefix at byte 128 and no DICOM data set at byte 0");
    }
    Meta meta = part10 ? readMeta(bytes, source) : null;
    if (meta != null && TransferSyntaxes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.equals(meta.transferSyntaxUid())) {
      // Inflate here rather than in PixelMed, to bound the inflated size and to see a cut-off deflate stream.
      byte[] dataSet = inflate(bytes, meta.dataSetOffset(), maxFileBytes, source);
      AttributeList list = parse(dataSet, TransferSyntaxes.EXPLICIT_VR_LITTLE_ENDIAN, source);
      return new Loaded(list, meta.transferSyntaxUid());
    }
    AttributeList list = parse(bytes, null, source);
    String transferSyntax = Attribute.getSingleStringValueOrNull(list, TagFromName.TransferSyntaxUID);
    if (transferSyntax == null || transferSyntax.isBlank()) {
      transferSyntax = ((CountingAttributeList) list).transferSyntaxInUse;
    }
    return new Loaded(list, transferSyntax.trim());
  }

  private static byte[] readBounded(Path file, long maxFileBytes) throws DicomRejectedException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        throw new DicomRejectedException(RejectionReason.UNREADABLE, file + ": not a regular file");
      }
      checkSize(attributes.size(), maxFileBytes, file);
      byte[] bytes = Files.readAllBytes(file);
      checkSize(bytes.length, maxFileBytes, file); // it may have grown since
      return bytes;
    } catch (NoSuchFileException e) {
      throw new DicomRejectedException(RejectionReason.UNREADABLE, file + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new DicomRejectedException(RejectionReason.UNREADABLE, file + ": permission denied", e);
    } catch (IOException e) {
      throw new DicomRejectedException(RejectionReason.UNREADABLE, file + ": cannot be read: " + e, e);
    }
  }

  private static void checkSize(long size, long maxFileBytes, Path file) throws DicomRejectedException {
    if (size > maxFileBytes) {
      throw new DicomRejectedException(RejectionReason.TOO_LARGE,
          file + ": " + size + " bytes exceed the limit of " + maxFileBytes + " bytes");
    }
  }

  private static boolean hasDicmPrefix(byte[] b) {
    return b.length >= META_START
        && b[PREAMBLE_LENGTH] == 'D' && b[PREAMBLE_LENGTH + 1] == 'I'
        && b[PREAMBLE_LENGTH + 2] == 'C' && b[PREAMBLE_LENGTH + 3] == 'M';
  }

  /** A data set without preamble starts with a group 0x0002 or 0x0008 element, in either byte order. */
  private static boolean looksLikeRawDataSet(byte[] b) {
    if (b.length < 8) {
      return false;
    }
    int littleEndianGroup = (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
    int bigEndianGroup = (b[0] & 0xFF) << 8 | (b[1] & 0xFF);
    return littleEndianGroup == 0x0002 || littleEndianGroup == 0x0008
        || bigEndianGroup == 0x0002 || bigEndianGroup == 0x0008;
  }

  /**
   * What the file meta information says.
   *
   * @param transferSyntaxUid (0002,0010), or null when absent
   * @param dataSetOffset where the data set starts
   */
  private record Meta(String transferSyntaxUid, int dataSetOffset) {}

  /**
   * Walks the group 0x0002 elements after "DICM", which the standard encodes as explicit VR little endian. A
   * header that is not (an occasional writer bug) is left to PixelMed: the result then has no transfer syntax.
   */
  private static Meta readMeta(byte[] b, String source) throws DicomRejectedException {
    String transferSyntax = null;
    int pos = META_START;
    while (pos + 8 <= b.length && u16(b, pos) == 0x0002) {
      int element = u16(b, pos + 2);
      if (!isUpperCaseLetter(b[pos + 4]) || !isUpperCaseLetter(b[pos + 5])) {
        return new Meta(null, -1);
      }
      String vr = new String(b, pos + 4, 2, StandardCharsets.US_ASCII);
      boolean longLength = LONG_LENGTH_VRS.contains(vr);
      int header = longLength ? 12 : 8;
      long length = pos + header > b.length ? Long.MAX_VALUE : longLength ? u32(b, pos + 8) : u16(b, pos + 6);
      if (pos + header + length > b.length) {
        throw new DicomRejectedException(RejectionReason.TRUNCATED, String.format(
            "%s: file meta information ends early in (0002,%04X) at offset %d of %d bytes",
            source, element, pos, b.length));
      }
      if (element == 0x0010) {
        transferSyntax = new String(b, pos + header, (int) length, StandardCharsets.US_ASCII)
            .replace('\0', ' ').trim();
      }
      pos += header + (int) length;
    }
    if (b.length - pos < 8) {
      throw new DicomRejectedException(RejectionReason.TRUNCATED,
          source + ": file ends after " + (pos - META_START) + " bytes of file meta information, with no data set");
    }
    return new Meta(transferSyntax, pos);
  }

  private static boolean isUpperCaseLetter(byte b) {
    return b >= 'A' && b <= 'Z';
  }

  private static byte[] inflate(byte[] b, int offset, long maxBytes, String source) throws DicomRejectedException {
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(b, offset, b.length - offset);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, 4 * (b.length - offset)));
      byte[] chunk = new byte[64 * 1024];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new DicomRejectedException(RejectionReason.TRUNCATED, source
              + ": deflated data set ends early (transfer syntax "
              + TransferSyntaxes.describe(TransferSyntaxes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) + ")");
        }
        out.write(chunk, 0, n);
        if (out.size() > maxBytes) {
          throw new DicomRejectedException(RejectionReason.TOO_LARGE,
              source + ": deflated data set inflates to more than the limit of " + maxBytes + " bytes");
        }
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new DicomRejectedException(RejectionReason.NOT_DICOM,
          source + ": deflated data set is not a valid deflate stream: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  private static AttributeList parse(byte[] data, String transferSyntax, String source)
      throws DicomRejectedException {
    var in = new PositionInputStream(data);
    var list = new CountingAttributeList(in);
    list.setDecompressPixelData(false);
    long end;
    try (DicomInputStream dicom = transferSyntax == null
        ? new DicomInputStream(in) : new DicomInputStream(in, transferSyntax, false)) {
      end = list.read(dicom, list);
      list.transferSyntaxInUse = dicom.getTransferSyntaxInUse().getUID();
    } catch (ValueBeyondEndException e) {
      throw new DicomRejectedException(list.isEmpty() ? RejectionReason.NOT_DICOM : RejectionReason.TRUNCATED,
          source + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DicomRejectedException(list.isEmpty() ? RejectionReason.NOT_DICOM : RejectionReason.TRUNCATED,
          source + ": data set ends early after " + lastTag(list) + ": " + e.getMessage(), e);
    } catch (DicomException | RuntimeException e) {
      throw new DicomRejectedException(RejectionReason.NOT_DICOM,
          source + ": data set cannot be parsed after " + lastTag(list) + ": " + e.getMessage(), e);
    }
    if (list.isEmpty()) {
      throw new DicomRejectedException(RejectionReason.NOT_DICOM, source + ": no DICOM data elements found");
    }
    if (list.size() == countMetaElements(list)) {
      throw new DicomRejectedException(RejectionReason.TRUNCATED,
          source + ": file meta information is not followed by a data set");
    }
    if (list.lastTag != null && list.get(list.lastTag) == null) {
      throw new DicomRejectedException(RejectionReason.TRUNCATED, String.format(
          "%s: data set ends early: %s is cut off at byte %d", source, Tags.describe(list.lastTag), data.length));
    }
    if (end != data.length) {
      throw new DicomRejectedException(RejectionReason.TRUNCATED, String.format(
          "%s: data set ends early: parsing stopped at byte %d of %d, after %s",
          source, end, data.length, lastTag(list)));
    }
    return list;
  }

  private static long countMetaElements(AttributeList list) {
    return list.keySet().stream().filter(tag -> tag.getGroup() == 0x0002).count();
  }

  private static String lastTag(AttributeList list) {
    if (list.isEmpty()) {
      return "the start";
    }
    AttributeTag tag = list.lastKey();
    return Tags.describe(tag);
  }

  private static int u16(byte[] b, int pos) {
    return (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8;
  }

  private static long u32(byte[] b, int pos) {
    return (u16(b, pos) | (long) u16(b, pos + 2) << 16) & 0xFFFFFFFFL;
  }

  /** A value that claims more bytes than the data has left: the file was cut off (or is not DICOM). */
  private static final class ValueBeyondEndException extends DicomException {
    ValueBeyondEndException(String message) {
      super(message);
    }
  }

  /**
   * Refuses value lengths beyond the end of the data, before PixelMed allocates or reads them, and remembers the
   * last top-level element PixelMed started: if the data ends inside its header, PixelMed drops it silently.
   */
  private static final class CountingAttributeList extends AttributeList implements ReadTerminationStrategy {
    private final transient PositionInputStream in;
    private transient String transferSyntaxInUse;
    private transient AttributeTag lastTag;

    CountingAttributeList(PositionInputStream in) {
      this.in = in;
    }

    @Override
    public boolean terminate(AttributeList list, AttributeTag tag, long byteOffset) {
      if (tag.getGroup() != 0xFFFE) { // stray delimiters, which PixelMed skips
        lastTag = tag;
      }
      return false;
    }

    @Override
    protected void checkSanityOfValueLength(long vl, byte[] vr, AttributeTag tag, boolean implicitInExplicit)
        throws DicomException {
      if (vl != UNDEFINED_LENGTH && vl > in.remaining()) {
        throw new ValueBeyondEndException(String.format(
            "data set ends early: %s needs %d bytes at offset %d, only %d remain",
            Tags.describe(tag), vl, in.position(), in.remaining()));
      }
      super.checkSanityOfValueLength(vl, vr, tag, implicitInExplicit);
    }
  }

  /** A byte-array stream that tells its position; PixelMed reads it directly (no buffering in between). */
  static final class PositionInputStream extends InputStream {
    private final byte[] data;
    private int pos;
    private int mark;

    PositionInputStream(byte[] data) {
      this.data = data;
    }

    long position() {
      return pos;
    }

    long remaining() {
      return data.length - pos;
    }

    @Override
    public int read() {
      return pos < data.length ? data[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= data.length) {
        return -1;
      }
      int n = Math.min(len, data.length - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, data.length - pos));
      pos += (int) k;
      return k;
    }

    @Override
    public int available() {
      return data.length - pos;
    }

    @Override
    public boolean markSupported() {
      return true;
    }

    @Override
    public synchronized void mark(int readLimit) {
      mark = pos;
    }

    @Override
    public synchronized void reset() {
      pos = mark;
    }
  }
}
