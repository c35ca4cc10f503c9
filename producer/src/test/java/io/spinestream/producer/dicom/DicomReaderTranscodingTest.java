package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every transfer syntax a CT archive holds, made by third-party encoders (dcmtk, GDCM) from two sources: pydicom's
 * CT_small.dcm (a real GE CT slice, signed 16-bit, intercept -1024) and a synthetic 512 x 512 slice (unsigned
 * 12-bit, intercept -1024, -1024..3000 HU with noise). Lossless syntaxes must give the uncompressed Hounsfield
 * units exactly; lossy ones must stay close to them and agree with the third-party decoder of the same stream.
 */
class DicomReaderTranscodingTest {
  private static final DicomReader READER = new DicomReader(DicomLimits.DEFAULT);
  private static final Map<String, Path> SOURCES = new ConcurrentHashMap<>();

  @TempDir
  static Path dir;

  /**
   * How each syntax is made, and for lossy ones how close it must come to the original: mean absolute error
   * (HU) and Pearson correlation over the whole slice (measured values noted as CT_small / phantom512).
   */
  enum Encoding {
    IMPLICIT_VR_LITTLE_ENDIAN(TransferSyntaxes.IMPLICIT_VR_LITTLE_ENDIAN, "dcmconv", "+ti"),
    EXPLICIT_VR_LITTLE_ENDIAN(TransferSyntaxes.EXPLICIT_VR_LITTLE_ENDIAN, "dcmconv", "+te"),
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN(TransferSyntaxes.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "dcmconv", "+td"),
    EXPLICIT_VR_BIG_ENDIAN(TransferSyntaxes.EXPLICIT_VR_BIG_ENDIAN, "dcmconv", "+tb"),
    RLE_LOSSLESS_DCMTK(TransferSyntaxes.RLE_LOSSLESS, "dcmcrle"),
    RLE_LOSSLESS_GDCM(TransferSyntaxes.RLE_LOSSLESS, "gdcmconv", "--rle"),
    JPEG_LOSSLESS_PROCESS_14(TransferSyntaxes.JPEG_LOSSLESS, "dcmcjpeg", "+el"),
    JPEG_LOSSLESS_PROCESS_14_SV1(TransferSyntaxes.JPEG_LOSSLESS_SV1, "dcmcjpeg", "+e1"),
    JPEG_LOSSLESS_IN_4_KIB_FRAGMENTS(TransferSyntaxes.JPEG_LOSSLESS, "dcmcjpeg", "+el", "+fs", "4"),
    JPEG_2000_LOSSLESS(TransferSyntaxes.JPEG_2000_LOSSLESS, "gdcmconv", "--j2k"),
    // dcmcjpeg rescales the CT range into 8 bits (slope about 16 HU): measured MAE 15.1 / 13.6 HU, r 0.9990 / 0.9997
    JPEG_BASELINE_8_BIT(TransferSyntaxes.JPEG_BASELINE, 20, 0.998, "dcmcjpeg", "+eb"),
    // quality 90: measured MAE 2.6 / 3.0 HU, r 0.99996 / 0.99999
    JPEG_EXTENDED_12_BIT(TransferSyntaxes.JPEG_EXTENDED, 4, 0.9999, "dcmcjpeg", "+ee"),
    // 5:1: measured MAE 2.8 / 2.2 HU, r 0.99996 / 0.99999
    JPEG_2000_LOSSY_RATIO_5(TransferSyntaxes.JPEG_2000, 4, 0.9999, "gdcmconv", "--j2k", "--lossy", "-r", "5");

    final String uid;
    final boolean lossy;
    final double maxMeanAbsoluteError;
    final double minCorrelation;
    final String tool;
    final String[] options;

    Encoding(String uid, String tool, String... options) {
      this(uid, false, 0, 1, tool, options);
    }

    Encoding(String uid, double maxMeanAbsoluteError, double minCorrelation, String tool, String... options) {
      this(uid, true, maxMeanAbsoluteError, minCorrelation, tool, options);
    }

    Encoding(String uid, boolean lossy, double maxMae, double minCorrelation, String tool, String... options) {
      this.uid = uid;
      this.lossy = lossy;
      this.maxMeanAbsoluteError = maxMae;
      this.minCorrelation = minCorrelation;
      this.tool = tool;
      this.options = options;
    }

    Path encode(String sourceName) {
      Path output = dir.resolve(sourceName + "-" + name() + ".dcm");
      if (!Files.exists(output)) {
        List<String> args = new ArrayList<>(List.of(options));
        args.add(source(sourceName).toString());
        args.add(output.toString());
        ExternalTools.convert(output, tool, args.toArray(String[]::new));
      }
      return output;
    }

    /** The third-party decoder of this syntax, writing explicit VR little endian. */
    Path decodeWithReferenceCodec(Path encoded) {
      Path output = dir.resolve(encoded.getFileName() + "-reference.dcm");
      return tool.equals("gdcmconv")
          ? ExternalTools.convert(output, "gdcmconv", "--raw", encoded.toString(), output.toString())
          : ExternalTools.convert(output, "dcmdjpeg", encoded.toString(), output.toString());
    }
  }

  @BeforeAll
  static void quietLogs() {
    TestLogging.quietPixelMed();
  }

  static Path source(String name) {
    return SOURCES.computeIfAbsent(name, n -> switch (n) {
      case "CT_small" -> ExternalTools.pydicomFile("CT_small.dcm");
      case "phantom512" -> TestDicom.write(TestDicom.ct(512, 512), dir.resolve("phantom512.dcm"));
      default -> throw new IllegalArgumentException(n);
    });
  }

  static Stream<Arguments> losslessEncodings() {
    return cases(false);
  }

  static Stream<Arguments> lossyEncodings() {
    return cases(true);
  }

  private static Stream<Arguments> cases(boolean lossy) {
    return Stream.of("CT_small", "phantom512").flatMap(source -> Stream.of(Encoding.values())
        .filter(encoding -> encoding.lossy == lossy)
        .map(encoding -> Arguments.of(source, encoding)));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("losslessEncodings")
  void shouldDecodeLosslessSyntaxToTheSameHounsfieldUnitsAsUncompressed(String sourceName, Encoding encoding)
      throws Exception {
    DicomImage original = readImage(source(sourceName));

    DicomImage decoded = readImage(encoding.encode(sourceName));

    assertThat(decoded.transferSyntaxUid()).isEqualTo(encoding.uid);
    assertThat(decoded.sopInstanceUid()).isEqualTo(original.sopInstanceUid());
    assertThat(decoded.rows()).isEqualTo(original.rows());
    assertThat(decoded.columns()).isEqualTo(original.columns());
    assertThat(decoded.zPositionMm()).isEqualTo(original.zPositionMm());
    assertThat(decoded.hounsfieldUnits()).isEqualTo(original.hounsfieldUnits());
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("lossyEncodings")
  void shouldDecodeLossySyntaxCloseToUncompressedAndLikeTheReferenceCodec(String sourceName, Encoding encoding)
      throws Exception {
    DicomImage original = readImage(source(sourceName));
    Path encoded = encoding.encode(sourceName);

    DicomImage decoded = readImage(encoded);
    DicomImage reference = readImage(encoding.decodeWithReferenceCodec(encoded));

    assertThat(decoded.transferSyntaxUid()).isEqualTo(encoding.uid);
    short[] hu = decoded.hounsfieldUnits();
    assertThat(meanAbsoluteError(hu, original.hounsfieldUnits()))
        .as("mean absolute error in HU").isLessThan(encoding.maxMeanAbsoluteError);
    assertThat(correlation(hu, original.hounsfieldUnits()))
        .as("correlation with the original").isGreaterThan(encoding.minCorrelation);
    // One stored value apart at most: the decoders' inverse transforms round differently.
    double slope = DataSetLoader.load(encoded, Long.MAX_VALUE).attributes()
        .get(com.pixelmed.dicom.TagFromName.RescaleSlope).getSingleDoubleValueOrDefault(1);
    assertThat(maxAbsoluteError(hu, reference.hounsfieldUnits()))
        .as("largest difference from the reference decoder, HU").isLessThanOrEqualTo((int) Math.ceil(Math.abs(slope)));
  }

  @Test
  void shouldDecodeTheUncompressedSourcesToTheHounsfieldUnitsPydicomComputes() throws Exception {
    for (String name : List.of("CT_small", "phantom512")) {
      assertThat(readImage(source(name)).hounsfieldUnits()).as(name).isEqualTo(pydicomHounsfieldUnits(source(name)));
    }
    DicomImage phantom = readImage(source("phantom512"));
    assertThat(min(phantom.hounsfieldUnits())).isEqualTo((short) -1024);
    assertThat(max(phantom.hounsfieldUnits())).isGreaterThanOrEqualTo((short) 3000);
  }

  @Test
  void shouldDecodeRealJpeg2000CtFilesLikePydicom() throws Exception {
    // GE-style signed CT, JPEG 2000 lossless; the codestream says unsigned, the header signed: trust the header.
    Path mismatch = ExternalTools.pydicomFile("J2K_pixelrep_mismatch.dcm");
    DicomImage lossless = readImage(mismatch);
    assertThat(lossless.transferSyntaxUid()).isEqualTo(TransferSyntaxes.JPEG_2000_LOSSLESS);
    assertThat(lossless.hounsfieldUnits()).isEqualTo(pydicomHounsfieldUnits(mismatch));

    // Irreversible JPEG 2000 with BitsStored 14 but a 16-bit codestream; JAI and OpenJPEG may round apart by 1.
    Path irreversible = ExternalTools.pydicomFile("693_J2KI.dcm");
    DicomImage lossy = readImage(irreversible);
    assertThat(lossy.transferSyntaxUid()).isEqualTo(TransferSyntaxes.JPEG_2000);
    assertThat(maxAbsoluteError(lossy.hounsfieldUnits(), pydicomHounsfieldUnits(irreversible))).isLessThanOrEqualTo(1);
  }

  @Test
  void shouldDecodeJpeg2000SplitIntoSeveralFragments() throws Exception {
    Path j2k = Encoding.JPEG_2000_LOSSLESS.encode("CT_small");
    Path split = ExternalTools.convert(dir.resolve("split.dcm"), "gdcmconv", "-S", "4000", j2k.toString(),
        dir.resolve("split.dcm").toString());

    assertThat(ExternalTools.run("dcmdump", split.toString()).lines().filter(l -> l.contains("pi ")).count())
        .as("fragments").isGreaterThan(2);
    assertThat(readImage(split).hounsfieldUnits()).isEqualTo(readImage(source("CT_small")).hounsfieldUnits());
  }

  @Test
  void shouldReadADataSetWithoutFileMetaInformation() throws Exception {
    Path raw = dir.resolve("no-meta.dcm");
    ExternalTools.convert(raw, "dcmconv", "-F", "+ti", source("CT_small").toString(), raw.toString());

    DicomImage image = readImage(raw);

    assertThat(Files.readAllBytes(raw)[128]).isNotEqualTo((byte) 'D');
    assertThat(image.transferSyntaxUid()).isEqualTo(TransferSyntaxes.IMPLICIT_VR_LITTLE_ENDIAN);
    assertThat(image.hounsfieldUnits()).isEqualTo(readImage(source("CT_small")).hounsfieldUnits());
  }

  @Test
  void shouldIgnoreGarbageInTheUnusedHighBitsOfStoredValues() throws Exception {
    short[] clean = TestDicom.phantom(64, 64, 3);
    short[] dirty = clean.clone();
    for (int i = 0; i < dirty.length; i++) {
      dirty[i] |= (short) ((i * 7919 % 16) << 12); // overlay-like bits 12..15
    }
    Path cleanFile = TestDicom.write(TestDicom.ct(64, 64, clean), dir.resolve("clean.dcm"));
    Path dirtyFile = TestDicom.write(TestDicom.ct(64, 64, dirty), dir.resolve("dirty.dcm"));

    assertThat(readImage(dirtyFile).hounsfieldUnits()).isEqualTo(readImage(cleanFile).hounsfieldUnits());
  }

  @Test
  void shouldDecodeTheSameOnSeveralThreadsAtOnce() throws Exception {
    List<Path> files = List.of(source("phantom512"), Encoding.JPEG_LOSSLESS_PROCESS_14.encode("phantom512"),
        Encoding.JPEG_2000_LOSSLESS.encode("CT_small"), Encoding.RLE_LOSSLESS_DCMTK.encode("CT_small"),
        Encoding.JPEG_EXTENDED_12_BIT.encode("CT_small"), Encoding.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.encode("CT_small"));
    List<short[]> expected = new ArrayList<>();
    for (Path file : files) {
      expected.add(readImage(file).hounsfieldUnits());
    }
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int round = 0; round < 8; round++) {
        for (int i = 0; i < files.size(); i++) {
          int index = i;
          results.add(pool.submit(() -> java.util.Arrays.equals(
              readImage(files.get(index)).hounsfieldUnits(), expected.get(index))));
        }
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static DicomImage readImage(Path file) throws DicomRejectedException {
    DicomReadResult result = READER.read(file);
    if (result instanceof DicomReadResult.Image image) {
      return image.image();
    }
    return fail("expected an image from %s, got %s", file, result);
  }

  /** Hounsfield units by pydicom (pixel_array * slope + intercept, rounded half away from zero). */
  static short[] pydicomHounsfieldUnits(Path file) throws IOException {
    Path output = Files.createTempFile(dir, "pydicom", ".raw");
    ExternalTools.run(ExternalTools.PYTHON_WITH_PYDICOM, "-W", "ignore", "-c", String.join("\n",
        "import sys, numpy as np, pydicom",
        "d = pydicom.dcmread(sys.argv[1])",
        "hu = d.pixel_array.astype(np.float64) * float(d.get('RescaleSlope', 1)) + float(d.get('RescaleIntercept', 0))",
        "hu = np.sign(hu) * np.floor(np.abs(hu) + 0.5)",
        "np.clip(hu, -32768, 32767).astype('<i2').tofile(sys.argv[2])"), file.toString(), output.toString());
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(output)).order(ByteOrder.LITTLE_ENDIAN);
    short[] hu = new short[bytes.remaining() / 2];
    bytes.asShortBuffer().get(hu);
    return hu;
  }

  static double meanAbsoluteError(short[] actual, short[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double sum = 0;
    for (int i = 0; i < actual.length; i++) {
      sum += Math.abs(actual[i] - expected[i]);
    }
    return sum / actual.length;
  }

  static int maxAbsoluteError(short[] actual, short[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    int max = 0;
    for (int i = 0; i < actual.length; i++) {
      max = Math.max(max, Math.abs(actual[i] - expected[i]));
    }
    return max;
  }

  static double correlation(short[] a, short[] b) {
    double meanA = 0;
    double meanB = 0;
    for (int i = 0; i < a.length; i++) {
      meanA += a[i];
      meanB += b[i];
    }
    meanA /= a.length;
    meanB /= b.length;
    double covariance = 0;
    double varianceA = 0;
    double varianceB = 0;
    for (int i = 0; i < a.length; i++) {
      covariance += (a[i] - meanA) * (b[i] - meanB);
      varianceA += (a[i] - meanA) * (a[i] - meanA);
      varianceB += (b[i] - meanB) * (b[i] - meanB);
    }
    return covariance / Math.sqrt(varianceA * varianceB);
  }

  private static short min(short[] values) {
    short min = Short.MAX_VALUE;
    for (short v : values) {
      min = (short) Math.min(min, v);
    }
    return min;
  }

  private static short max(short[] values) {
    short max = Short.MIN_VALUE;
    for (short v : values) {
      max = (short) Math.max(max, v);
    }
    return max;
  }
}
