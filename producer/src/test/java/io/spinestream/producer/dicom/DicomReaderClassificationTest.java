package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is skipped (and why) from the header alone, and what an accepted slice carries. */
class DicomReaderClassificationTest {
  private static final DicomReader READER = new DicomReader(DicomLimits.DEFAULT);

  @TempDir
  Path dir;

  @BeforeAll
  static void quietLogs() {
    TestLogging.quietPixelMed();
  }

  @Test
  void shouldSkipAnMrImageAsNotCt() throws Exception {
    DicomReadResult.Skipped skipped = skipped(ExternalTools.pydicomFile("MR_small.dcm"));

    assertThat(skipped.reason()).isEqualTo(SkipReason.NOT_CT);
    assertThat(skipped.detail()).contains("Modality MR").contains("MR Image Storage");
    assertThat(skipped.sopInstanceUid()).isEqualTo("1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
  }

  @Test
  void shouldSkipANonCtImageBeforeLookingAtItsTransferSyntax() throws Exception {
    DicomReadResult.Skipped skipped = skipped(ExternalTools.pydicomFile("MR_small_jpeg_ls_lossless.dcm"));

    assertThat(skipped.reason()).isEqualTo(SkipReason.NOT_CT);
  }

  @Test
  void shouldSkipASecondaryCaptureOfACtAsNotCt() throws Exception {
    DicomReadResult.Skipped skipped =
        skipped(ct(list -> TestDicom.put(list, TagFromName.SOPClassUID, "1.2.840.10008.5.1.4.1.1.7")));

    assertThat(skipped.reason()).isEqualTo(SkipReason.NOT_CT);
    assertThat(skipped.detail()).contains("Modality CT").contains("Secondary Capture");
  }

  @Test
  void shouldSkipALocalizerWithoutDecodingItsPixels() throws Exception {
    DicomReadResult.Skipped skipped = skipped(ct(list -> {
      TestDicom.put(list, TagFromName.ImageType, "ORIGINAL", "PRIMARY", "LOCALIZER");
      TestDicom.put(list, TagFromName.Rows, "1000"); // pixels that could not be decoded
    }));

    assertThat(skipped.reason()).isEqualTo(SkipReason.LOCALIZER);
    assertThat(skipped.detail()).isEqualTo("ImageType ORIGINAL\\PRIMARY\\LOCALIZER");
    assertThat(skipped.sopInstanceUid()).isEqualTo(TestDicom.SOP_UID);
  }

  @Test
  void shouldSkipAnRtPlanAndAStructuredReportAsNotAnImage() throws Exception {
    DicomReadResult.Skipped plan = skipped(ExternalTools.pydicomFile("rtplan.dcm"));
    DicomReadResult.Skipped report = skipped(ExternalTools.pydicomFile("reportsi.dcm"));

    assertThat(plan.reason()).isEqualTo(SkipReason.NOT_AN_IMAGE);
    assertThat(plan.detail()).contains("RT Plan Storage").contains("Modality RTPLAN");
    assertThat(report.reason()).isEqualTo(SkipReason.NOT_AN_IMAGE);
    assertThat(report.detail()).contains("Modality SR");
  }

  @Test
  void shouldCarryTheSliceAttributesThePipelineNeeds() throws Exception {
    DicomImage image = image(TestDicom.write(TestDicom.ct(48, 40), dir.resolve("ct.dcm")));

    assertThat(image.studyInstanceUid()).isEqualTo(TestDicom.STUDY_UID);
    assertThat(image.seriesInstanceUid()).isEqualTo(TestDicom.SERIES_UID);
    assertThat(image.sopInstanceUid()).isEqualTo(TestDicom.SOP_UID);
    assertThat(image.sopClassUid()).isEqualTo(ObjectClassifier.CT_IMAGE_STORAGE);
    assertThat(image.instanceNumber()).isEqualTo(17);
    assertThat(image.imagePositionPatient()).containsExactly(-125.5, -130.25, -42.75);
    assertThat(image.imageOrientationPatient()).containsExactly(1, 0, 0, 0, 1, 0);
    assertThat(image.rows()).isEqualTo(48);
    assertThat(image.columns()).isEqualTo(40);
    assertThat(image.rowSpacingMm()).isEqualTo(0.488281);
    assertThat(image.columnSpacingMm()).isEqualTo(0.5);
    assertThat(image.sliceThicknessMm()).isEqualTo(0.625);
    assertThat(image.transferSyntaxUid()).isEqualTo(TransferSyntaxes.EXPLICIT_VR_LITTLE_ENDIAN);
    assertThat(image.zPositionMm()).isEqualTo(-42.75);
    assertThat(image.hounsfieldUnits()).hasSize(48 * 40);
  }

  @Test
  void shouldLeaveOptionalInstanceNumberAndSliceThicknessNullWhenAbsent() throws Exception {
    DicomImage image = image(ct(list -> {
      list.remove(TagFromName.InstanceNumber);
      list.remove(TagFromName.SliceThickness);
    }));

    assertThat(image.instanceNumber()).isNull();
    assertThat(image.sliceThicknessMm()).isNull();
  }

  @Test
  void shouldReadTheZPositionOfARealAxialSlice() throws Exception {
    DicomImage image = image(ExternalTools.pydicomFile("CT_small.dcm"));

    assertThat(image.zPositionMm()).isEqualTo(-75.699997);
    assertThat(image.instanceNumber()).isEqualTo(1);
    assertThat(image.sliceThicknessMm()).isEqualTo(5.0);
  }

  @Test
  void shouldNotLetPatientNameIdOrBirthDateOutInAnyField() throws Exception {
    Path file = TestDicom.write(TestDicom.ct(32, 32), dir.resolve("ct.dcm"));
    assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1))
        .contains(TestDicom.PATIENT_NAME).contains(TestDicom.PATIENT_ID).contains(TestDicom.PATIENT_BIRTH_DATE);

    DicomImage image = image(file);

    for (RecordComponent component : DicomImage.class.getRecordComponents()) {
      Object value = component.getAccessor().invoke(image);
      if (value instanceof String text) {
        assertThat(text).as(component.getName())
            .doesNotContain("Doe").doesNotContain(TestDicom.PATIENT_ID).doesNotContain(TestDicom.PATIENT_BIRTH_DATE);
      }
    }
    assertThat(image.toString()).doesNotContain("Doe").doesNotContain(TestDicom.PATIENT_ID);
  }

  private Path ct(Consumer<AttributeList> change) throws Exception {
    AttributeList list = TestDicom.ct(64, 64);
    change.accept(list);
    return TestDicom.write(list, Files.createTempFile(dir, "ct", ".dcm"));
  }

  private static DicomReadResult.Skipped skipped(Path file) throws DicomRejectedException {
    DicomReadResult result = READER.read(file);
    if (result instanceof DicomReadResult.Skipped skipped) {
      return skipped;
    }
    return fail("expected a skip for %s, got %s", file, result);
  }

  private static DicomImage image(Path file) throws DicomRejectedException {
    DicomReadResult result = READER.read(file);
    if (result instanceof DicomReadResult.Image image) {
      return image.image();
    }
    return fail("expected an image from %s, got %s", file, result);
  }
}
