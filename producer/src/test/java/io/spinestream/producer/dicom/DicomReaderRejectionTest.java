package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs the producer cannot ingest, each with the reason its DeadLetter carries and a message naming the cause. */
class DicomReaderRejectionTest {
  private static final DicomReader READER = new DicomReader(DicomLimits.DEFAULT);

  @TempDir
  Path dir;

  @BeforeAll
  static void quietLogs() {
    TestLogging.quietPixelMed();
  }

  @Test
  void shouldRejectJpegLsAsUnsupportedTransferSyntaxNamingIt() {
    Path original = TestDicom.write(TestDicom.ct(64, 64), dir.resolve("ct.dcm"));
    Path jpegLs = ExternalTools.convert(dir.resolve("jpeg-ls.dcm"), "dcmcjpls", original.toString(),
        dir.resolve("jpeg-ls.dcm").toString());

    assertRejected(jpegLs, RejectionReason.UNSUPPORTED_TRANSFER_SYNTAX)
        .hasMessageContaining("1.2.840.10008.1.2.4.80")
        .hasMessageContaining("JPEG-LS Lossless")
        .hasMessageContaining(jpegLs.toString());
  }

  @Test
  void shouldRejectAFileCutInHalfAsTruncatedNamingThePixelData() throws Exception {
    Path half = cut(ExternalTools.pydicomFile("CT_small.dcm"), 0.5);

    assertRejected(half, RejectionReason.TRUNCATED).hasMessageContaining("(7FE0,0010)");
  }

  @Test
  void shouldRejectPydicomsTruncatedMrAsTruncated() {
    assertRejected(ExternalTools.pydicomFile("MR_truncated.dcm"), RejectionReason.TRUNCATED)
        .hasMessageContaining("PixelData");
  }

  @Test
  void shouldRejectCompressedAndDeflatedFilesCutShortAsTruncated() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(128, 128), dir.resolve("ct.dcm"));
    Path lossless = ExternalTools.convert(dir.resolve("jpeg.dcm"), "dcmcjpeg", "+el", original.toString(),
        dir.resolve("jpeg.dcm").toString());
    Path deflated = ExternalTools.convert(dir.resolve("deflated.dcm"), "dcmconv", "+td", original.toString(),
        dir.resolve("deflated.dcm").toString());

    assertRejected(cut(lossless, 0.7), RejectionReason.TRUNCATED);
    assertRejected(cut(deflated, 0.7), RejectionReason.TRUNCATED).hasMessageContaining("deflated");
  }

  @Test
  void shouldRejectAFileThatEndsInsideAnElementHeaderAsTruncated() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(16, 16), dir.resolve("ct.dcm"));
    byte[] bytes = Files.readAllBytes(original);
    int pixelDataTag = lastIndexOf(bytes, new byte[] {(byte) 0xE0, 0x7F, 0x10, 0x00});
    Path cutAfterTag = dir.resolve("cut-after-tag.dcm");
    Files.write(cutAfterTag, Arrays.copyOf(bytes, pixelDataTag + 4)); // the tag, but not its VR and length

    assertRejected(cutAfterTag, RejectionReason.TRUNCATED).hasMessageContaining("(7FE0,0010)");
  }

  @Test
  void shouldRejectAFileThatEndsInsideItsFileMetaInformationAsTruncated() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(16, 16), dir.resolve("ct.dcm"));

    Path cut = dir.resolve("cut-meta.dcm");
    Files.write(cut, Arrays.copyOf(Files.readAllBytes(original), 160));

    assertRejected(cut, RejectionReason.TRUNCATED).hasMessageContaining("file meta information");
  }

  @Test
  void shouldRejectRandomBytesTextAndEmptyFilesAsNotDicom() throws Exception {
    byte[] noise = new byte[4096];
    new Random(1).nextBytes(noise);
    noise[0] = 0x42; // not a group 0x0002/0x0008 tag by chance
    Path random = Files.write(dir.resolve("random.bin"), noise);
    Path text = Files.writeString(dir.resolve("notes.txt"), "Patient arrived at 10:00, CT ordered.\n".repeat(20));
    Path empty = Files.write(dir.resolve("empty.dcm"), new byte[0]);

    assertRejected(random, RejectionReason.NOT_DICOM).hasMessageContaining("no DICM prefix");
    assertRejected(text, RejectionReason.NOT_DICOM).hasMessageContaining(text.toString());
    assertRejected(empty, RejectionReason.NOT_DICOM).hasMessageContaining("empty");
  }

  @Test
  void shouldRejectAPreambleFollowedByGarbageAsNotDicom() throws Exception {
    byte[] bytes = new byte[2000];
    new Random(2).nextBytes(bytes);
    Arrays.fill(bytes, 0, 128, (byte) 0);
    System.arraycopy("DICM".getBytes(StandardCharsets.US_ASCII), 0, bytes, 128, 4);
    bytes[132] = 0x55; // no (0002,xxxx) element follows

    assertRejected(Files.write(dir.resolve("garbage.dcm"), bytes), RejectionReason.NOT_DICOM);
  }

  @Test
  void shouldRejectACtImageWithoutPixelData() {
    Path file = ct(list -> list.remove(TagFromName.PixelData));

    assertRejected(file, RejectionReason.NO_PIXEL_DATA).hasMessageContaining("(7FE0,0010)");
  }

  @Test
  void shouldRejectMissingGeometryAndUidsAsMissingAttributeNamingTheTag() {
    assertRejected(ct(list -> list.remove(TagFromName.ImagePositionPatient)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0020,0032) ImagePositionPatient");
    assertRejected(ct(list -> list.remove(TagFromName.ImageOrientationPatient)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0020,0037)");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.PixelSpacing)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0028,0030)");
    assertRejected(ct(list -> list.remove(TagFromName.StudyInstanceUID)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0020,000D)");
    assertRejected(ct(list -> list.remove(TagFromName.SeriesInstanceUID)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0020,000E)");
    assertRejected(ct(list -> list.remove(TagFromName.Rows)), RejectionReason.MISSING_ATTRIBUTE)
        .hasMessageContaining("(0028,0010)");
  }

  @Test
  void shouldRejectUnusableAttributeValuesAsInvalidAttributeNamingTheTag() {
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.ImagePositionPatient, "1", "2")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("(0020,0032)").hasMessageContaining("needs 3");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.ImageOrientationPatient, "1", "0", "0", "0", "2", "0")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("unit vectors");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.ImageOrientationPatient, "1", "0", "0", "1", "0", "0")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("perpendicular");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.PixelSpacing, "0.5", "0")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("(0028,0030)");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.PixelSpacing, "0.5", "abc")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("not a number");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.SOPInstanceUID, "1.2.3.abc")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("(0008,0018)");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.HighBit, "15")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("HighBit");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.RescaleSlope, "0")),
        RejectionReason.INVALID_ATTRIBUTE).hasMessageContaining("(0028,1053)");
  }

  @Test
  void shouldRejectPixelsThePipelineDoesNotTakeAsUnsupportedPixelFormat() {
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.SOPClassUID, "1.2.840.10008.5.1.4.1.1.2.1")),
        RejectionReason.UNSUPPORTED_PIXEL_FORMAT).hasMessageContaining("multi-frame");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.NumberOfFrames, "2")),
        RejectionReason.UNSUPPORTED_PIXEL_FORMAT).hasMessageContaining("NumberOfFrames");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.SamplesPerPixel, "3")),
        RejectionReason.UNSUPPORTED_PIXEL_FORMAT).hasMessageContaining("SamplesPerPixel is 3");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.BitsAllocated, "32")),
        RejectionReason.UNSUPPORTED_PIXEL_FORMAT).hasMessageContaining("BitsAllocated is 32");
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.PhotometricInterpretation, "PALETTE COLOR")),
        RejectionReason.UNSUPPORTED_PIXEL_FORMAT).hasMessageContaining("PALETTE COLOR");
  }

  @Test
  void shouldRejectRowsAndColumnsAboveTheLimitsAsTooLarge() {
    Path file = TestDicom.write(TestDicom.ct(512, 512), dir.resolve("ct512.dcm"));

    assertThatThrownBy(() -> new DicomReader(new DicomLimits(1L << 30, 256, 1024)).read(file))
        .isInstanceOfSatisfying(DicomRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectionReason.TOO_LARGE))
        .hasMessageContaining("512 x 512")
        .hasMessageContaining("256 x 1024");
  }

  @Test
  void shouldRejectAFileLargerThanTheByteLimitAsTooLargeBeforeReadingIt() throws Exception {
    Path file = TestDicom.write(TestDicom.ct(64, 64), dir.resolve("ct.dcm"));
    long size = Files.size(file);

    assertThatThrownBy(() -> new DicomReader(new DicomLimits(size - 1, 1024, 1024)).read(file))
        .isInstanceOfSatisfying(DicomRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectionReason.TOO_LARGE))
        .hasMessageContaining(size + " bytes");
    assertThat(new DicomReader(new DicomLimits(size, 1024, 1024)).read(file))
        .isInstanceOf(DicomReadResult.Image.class);
  }

  @Test
  void shouldRejectAJpeg2000CodestreamDeclaringAHugeImageBeforeDecodingIt() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(64, 64), dir.resolve("ct.dcm"));
    Path j2k = ExternalTools.convert(dir.resolve("j2k.dcm"), "gdcmconv", "--j2k", original.toString(),
        dir.resolve("j2k.dcm").toString());
    byte[] bytes = Files.readAllBytes(j2k);
    int soc = indexOf(bytes, new byte[] {(byte) 0xFF, 0x4F, (byte) 0xFF, 0x51});
    assertThat(soc).as("SOC + SIZ in gdcmconv's codestream").isPositive();
    // Xsiz and Ysiz 60000: JAI would allocate the 60000 x 60000 image (7 GB) before any size check after it.
    for (int field : new int[] {soc + 8, soc + 12}) {
      bytes[field] = 0;
      bytes[field + 1] = 0;
      bytes[field + 2] = (byte) 0xEA;
      bytes[field + 3] = 0x60;
    }
    Path huge = Files.write(dir.resolve("j2k-huge.dcm"), bytes);

    assertRejected(huge, RejectionReason.DECODE_FAILED)
        .hasMessageContaining("JPEG 2000 codestream is 60000 x 60000 pixels, the header says 64 x 64");
    assertThat(READER.read(j2k)).as("the untouched file decodes").isInstanceOf(DicomReadResult.Image.class);
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= data.length; i++) {
      for (int k = 0; k < pattern.length; k++) {
        if (data[i + k] != pattern[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void shouldRejectAMissingFileOrADirectoryAsUnreadable() {
    assertRejected(dir.resolve("does-not-exist.dcm"), RejectionReason.UNREADABLE).hasMessageContaining("no such file");
    assertRejected(dir, RejectionReason.UNREADABLE).hasMessageContaining("not a regular file");
  }

  @Test
  void shouldRejectPixelDataOfTheWrongSizeAsDecodeFailed() {
    assertRejected(ct(list -> TestDicom.put(list, TagFromName.Rows, "60")), RejectionReason.DECODE_FAILED)
        .hasMessageContaining("4096 16-bit samples")
        .hasMessageContaining("needs 3840");
  }

  @Test
  void shouldRejectACompressedFrameThatDoesNotDecodeAsDecodeFailed() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(64, 64), dir.resolve("ct.dcm"));
    Path lossless = ExternalTools.convert(dir.resolve("jpeg.dcm"), "dcmcjpeg", "+el", original.toString(),
        dir.resolve("jpeg.dcm").toString());
    Path wrongSize = dir.resolve("wrong-size.dcm");
    Files.copy(lossless, wrongSize);
    ExternalTools.run("dcmodify", "-nb", "-m", "(0028,0011)=32", wrongSize.toString());
    byte[] bytes = Files.readAllBytes(lossless);
    int soi = lastIndexOf(bytes, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
    bytes[soi + 1] = 0; // the frame no longer starts with SOI
    Path broken = Files.write(dir.resolve("broken.dcm"), bytes);

    assertRejected(wrongSize, RejectionReason.DECODE_FAILED).hasMessageContaining("64 x 64")
        .hasMessageContaining("1.2.840.10008.1.2.4.57");
    assertRejected(broken, RejectionReason.DECODE_FAILED).hasMessageContaining("no SOI");
  }

  private Path ct(Consumer<AttributeList> change) {
    AttributeList list = TestDicom.ct(64, 64);
    change.accept(list);
    try {
      return TestDicom.write(list, Files.createTempFile(dir, "ct", ".dcm"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path cut(Path file, double fraction) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    return Files.write(dir.resolve("cut-" + file.getFileName()), Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(Path file, RejectionReason reason) {
    return assertThatThrownBy(() -> READER.read(file))
        .isInstanceOfSatisfying(DicomRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(file.toString());
  }

  private static int lastIndexOf(byte[] data, byte[] pattern) {
    for (int i = data.length - pattern.length; i >= 0; i--) {
      if (Arrays.equals(data, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    throw new AssertionError("pattern not found");
  }
}
