package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 12-bit DCT decoder against dcmtk's (IJG libjpeg) decoder and the JDK's, on third-party streams. */
class JpegDctDecoderTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void quietLogs() {
    TestLogging.quietPixelMed();
  }

  @Test
  void shouldDecodePydicom12BitExtendedJpegWithinOneOfDcmtk() throws Exception {
    Path source = ExternalTools.pydicomFile("JPGExtended.dcm");
    Path reference = ExternalTools.convert(dir.resolve("reference.dcm"), "dcmdjpeg", source.toString(),
        dir.resolve("reference.dcm").toString());

    JpegDctDecoder.Image image = JpegDctDecoder.decode(frame(source));

    assertThat(JpegDctDecoder.readFrameHeader(frame(source)).precision()).isEqualTo(12);
    assertWithinOne(image.samples(), nativeWords(reference));
  }

  @Test
  void shouldDecodeDcmtk12BitExtendedJpegOfACtPhantomWithinOneOfDcmtk() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(200, 136), dir.resolve("original.dcm"));
    Path compressed = ExternalTools.convert(dir.resolve("extended.dcm"), "dcmcjpeg", "+ee", "+q", "75",
        original.toString(), dir.resolve("extended.dcm").toString());
    Path reference = ExternalTools.convert(dir.resolve("reference.dcm"), "dcmdjpeg", compressed.toString(),
        dir.resolve("reference.dcm").toString());

    JpegDctDecoder.Image image = JpegDctDecoder.decode(frame(compressed));

    assertThat(image.rows()).isEqualTo(200);
    assertThat(image.columns()).isEqualTo(136);
    assertWithinOne(image.samples(), nativeWords(reference));
  }

  @Test
  void shouldDecodeEightBitBaselineWithRestartIntervalsWithinOneOfTheJdk() throws Exception {
    var picture = new BufferedImage(83, 61, BufferedImage.TYPE_BYTE_GRAY);
    var random = new Random(7);
    for (int y = 0; y < 61; y++) {
      for (int x = 0; x < 83; x++) {
        picture.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, x * 3 + y + random.nextInt(20) - 10)));
      }
    }
    byte[] jpeg = encodeWithRestartInterval(picture, 5);

    JpegDctDecoder.Image image = JpegDctDecoder.decode(jpeg);
    BufferedImage expected = ImageIO.read(new java.io.ByteArrayInputStream(jpeg));

    assertThat(indexOf(jpeg, (byte) 0xFF, (byte) 0xDD)).as("DRI marker").isPositive();
    short[] reference = new short[83 * 61];
    for (int i = 0; i < reference.length; i++) {
      reference[i] = (short) expected.getRaster().getSample(i % 83, i / 83, 0);
    }
    assertWithinOne(image.samples(), reference);
  }

  @Test
  void shouldRejectAStreamThatEndsInsideTheEntropyCodedData() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(64, 64), dir.resolve("original.dcm"));
    Path compressed = ExternalTools.convert(dir.resolve("extended.dcm"), "dcmcjpeg", "+ee",
        original.toString(), dir.resolve("extended.dcm").toString());
    byte[] frame = frame(compressed);

    assertThatThrownBy(() -> JpegDctDecoder.decode(Arrays.copyOf(frame, frame.length / 2)))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("ends early");
  }

  @Test
  void shouldRejectWhatIsNotSequentialDct() throws Exception {
    Path original = TestDicom.write(TestDicom.ct(32, 32), dir.resolve("original.dcm"));
    Path lossless = ExternalTools.convert(dir.resolve("lossless.dcm"), "dcmcjpeg", "+el",
        original.toString(), dir.resolve("lossless.dcm").toString());

    assertThat(JpegDctDecoder.readFrameHeader(frame(lossless)).isLosslessHuffman()).isTrue();
    assertThatThrownBy(() -> JpegDctDecoder.decode(frame(lossless)))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("SOF3");
    assertThatThrownBy(() -> JpegDctDecoder.decode(new byte[] {1, 2, 3, 4, 5}))
        .isInstanceOf(PixelDecodeException.class)
        .hasMessageContaining("no SOI");
  }

  private static void assertWithinOne(short[] actual, short[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    int maxDifference = 0;
    long sumDifference = 0;
    for (int i = 0; i < actual.length; i++) {
      int difference = Math.abs(actual[i] - expected[i]);
      maxDifference = Math.max(maxDifference, difference);
      sumDifference += difference;
    }
    assertThat(maxDifference).as("largest difference from the reference decoder").isLessThanOrEqualTo(1);
    assertThat((double) sumDifference / actual.length).as("mean difference").isLessThan(0.05);
  }

  static byte[] frame(Path file) throws Exception {
    AttributeList list = DataSetLoader.load(file, Long.MAX_VALUE).attributes();
    return ((OtherByteAttributeMultipleCompressedFrames) list.getPixelData()).getFrames()[0];
  }

  private static short[] nativeWords(Path file) throws Exception {
    return DataSetLoader.load(file, Long.MAX_VALUE).attributes().getPixelData().getShortValues();
  }

  private static byte[] encodeWithRestartInterval(BufferedImage picture, int interval) throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try {
      var param = writer.getDefaultWriteParam();
      IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(picture), param);
      String format = "javax_imageio_jpeg_image_1.0";
      var root = (IIOMetadataNode) metadata.getAsTree(format);
      var markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
      var dri = new IIOMetadataNode("dri");
      dri.setAttribute("interval", Integer.toString(interval));
      markers.insertBefore(dri, markers.getFirstChild());
      metadata.setFromTree(format, root);
      var bytes = new ByteArrayOutputStream();
      try (var output = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(output);
        writer.write(null, new IIOImage(picture, null, metadata), param);
      }
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }

  private static int indexOf(byte[] data, byte first, byte second) {
    for (int i = 0; i + 1 < data.length; i++) {
      if (data[i] == first && data[i + 1] == second) {
        return i;
      }
    }
    return -1;
  }
}
