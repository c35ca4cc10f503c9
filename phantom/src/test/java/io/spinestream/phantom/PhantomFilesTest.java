package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhantomFilesTest {
  /** Small and quick: 96², 28 slices from the top (C1, C2 and C3), three studies with the three encodings. */
  static final PhantomOptions SMALL = PhantomOptions.defaults().withMatrix(96).withSlices(28).withStudies(3)
      .withSeed(5);

  @TempDir
  Path tmp;

  @Test
  void shouldWriteByteIdenticalStudiesForTheSameSeed() throws IOException {
    PhantomGenerator.generate(SMALL, tmp.resolve("a"));
    PhantomGenerator.generate(SMALL, tmp.resolve("b"));
    List<Path> a = files(tmp.resolve("a"));
    List<Path> b = files(tmp.resolve("b"));
    assertThat(a).hasSize(3 * 28 + 3 + 1);
    assertThat(b).hasSameSizeAs(a);
    for (int f = 0; f < a.size(); f++) {
      assertThat(tmp.resolve("b").relativize(b.get(f))).isEqualTo(tmp.resolve("a").relativize(a.get(f)));
      assertThat(Files.readAllBytes(b.get(f))).as("%s", a.get(f)).isEqualTo(Files.readAllBytes(a.get(f)));
    }
  }

  @Test
  void shouldWriteDifferentStudiesForAnotherSeed() throws Exception {
    var first = PhantomGenerator.generate(SMALL.withStudies(1), tmp.resolve("a")).get(0);
    var other = PhantomGenerator.generate(SMALL.withStudies(1).withSeed(6), tmp.resolve("b")).get(0);
    assertThat(other.studyInstanceUid()).isNotEqualTo(first.studyInstanceUid());
    assertThat(other.seriesInstanceUid()).isNotEqualTo(first.seriesInstanceUid());
    assertThat(pixels(other.dicomFiles().get(14))).isNotEqualTo(pixels(first.dicomFiles().get(14)));
  }

  @Test
  void shouldWriteTheRsnaLayoutWithMatchingGroundTruth() throws IOException {
    var options = SMALL.withFractures(0, Vertebra.C1, Vertebra.C7).withFractures(1, Vertebra.C2).withFractures(2);
    List<PhantomStudy> studies = PhantomGenerator.generate(options, tmp);
    assertThat(studies).extracting(PhantomStudy::studyIndex).containsExactly(0, 1, 2);
    assertThat(studies.get(1).fractured()).containsExactly(Vertebra.C2);
    assertThat(studies.get(2).fractured()).isEmpty();
    for (PhantomStudy study : studies) {
      assertThat(study.seriesDirectory()).isEqualTo(tmp.resolve("train_images").resolve(study.studyInstanceUid()));
      assertThat(study.dicomFiles()).hasSize(28);
      for (int k = 0; k < 28; k++) {
        assertThat(study.dicomFiles().get(k)).isEqualTo(study.seriesDirectory().resolve((k + 1) + ".dcm")).exists();
      }
      assertThat(study.segmentation()).isEqualTo(tmp.resolve("segmentations").resolve(study.studyInstanceUid() + ".nii"))
          .exists();
      assertThat(study.voxelCount(Vertebra.C1)).isPositive();
      assertThat(study.voxelCount(Vertebra.C7)).as("28 slices stop above C7").isZero();
    }
    assertThat(Files.readAllLines(tmp.resolve("train.csv"))).containsExactly(
        TrainCsv.HEADER,
        studies.get(0).studyInstanceUid() + ",1,1,0,0,0,0,0,1",
        studies.get(1).studyInstanceUid() + ",1,0,1,0,0,0,0,0",
        studies.get(2).studyInstanceUid() + ",0,0,0,0,0,0,0,0");
  }

  @Test
  void shouldMergeTrainCsvAcrossBatchesInAStableOrder() throws IOException {
    var batch1 = PhantomGenerator.generate(SMALL.withStudies(2).withSlices(4), tmp);
    var batch2 = PhantomGenerator.generate(SMALL.withStudies(2).withSlices(4).withFirstStudyIndex(2), tmp);
    assertThat(batch2).extracting(PhantomStudy::studyIndex).containsExactly(2, 3);
    var redo = PhantomGenerator.generate(SMALL.withStudies(1).withSlices(4).withFirstStudyIndex(1)
        .withFractures(1, Vertebra.C3, Vertebra.C6), tmp);
    Map<String, Set<Vertebra>> rows = TrainCsv.read(tmp.resolve("train.csv"));
    assertThat(rows.keySet()).containsExactly(batch1.get(0).studyInstanceUid(), batch1.get(1).studyInstanceUid(),
        batch2.get(0).studyInstanceUid(), batch2.get(1).studyInstanceUid());
    assertThat(redo.get(0).studyInstanceUid()).isEqualTo(batch1.get(1).studyInstanceUid());
    assertThat(rows.get(batch1.get(1).studyInstanceUid())).isEqualTo(EnumSet.of(Vertebra.C3, Vertebra.C6));
    assertThat(rows.get(batch2.get(0).studyInstanceUid())).isEqualTo(batch2.get(0).fractured());
  }

  @Test
  void shouldRemoveSlicesLeftByAnEarlierLongerRendering() throws IOException {
    var longer = PhantomGenerator.generate(SMALL.withStudies(1).withSlices(10), tmp).get(0);
    var shorter = PhantomGenerator.generate(SMALL.withStudies(1).withSlices(6), tmp).get(0);
    assertThat(shorter.seriesDirectory()).isEqualTo(longer.seriesDirectory());
    try (Stream<Path> left = Files.list(shorter.seriesDirectory())) {
      assertThat(left.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm", "6.dcm");
    }
  }

  @Test
  void shouldWriteNiftiLabelsWithTheDocumentedHeaderAndOrientation() throws IOException {
    var options = SMALL.withStudies(1);
    PhantomStudy study = PhantomGenerator.generate(options, tmp).get(0);
    RenderedStudy rendered = PhantomGenerator.render(options, 0);
    Nifti.Image image = Nifti.read(study.segmentation());
    assertThat(Files.size(study.segmentation())).isEqualTo(352L + 96 * 96 * 28);
    assertThat(image.dims()).containsExactly(3, 96, 96, 28, 1, 1, 1, 1);
    assertThat(image.datatype()).isEqualTo((short) 2);
    assertThat(image.intentCode()).isEqualTo(Nifti.INTENT_LABEL);
    assertThat(image.voxOffset()).isEqualTo(352f);
    assertThat(image.pixdim()[0]).as("qfac").isEqualTo(-1f);
    assertThat(image.pixdim()[1]).isEqualTo((float) (180.0 / 96));
    assertThat(image.pixdim()[2]).isEqualTo((float) (180.0 / 96));
    assertThat(image.pixdim()[3]).isEqualTo(1.25f);
    assertThat(image.qformCode()).isEqualTo((short) 1);
    assertThat(image.sformCode()).isEqualTo((short) 1);
    assertThat(image.quaternion()).containsExactly(0f, 0f, 1f);
    for (int k : new int[] {0, 13, 27}) {
      for (int[] ij : new int[][] {{0, 0}, {95, 0}, {17, 60}}) {
        double[] ras = image.world(ij[0], ij[1], k);
        double[] ipp = rendered.imagePositionPatient(k);
        double x = ipp[0] + ij[0] * rendered.pixelSpacingMm();
        double y = ipp[1] + ij[1] * rendered.pixelSpacingMm();
        assertThat(ras[0]).as("R = -L").isCloseTo(-x, within(1e-3));
        assertThat(ras[1]).as("A = -P").isCloseTo(-y, within(1e-3));
        assertThat(ras[2]).isCloseTo(ipp[2], within(1e-3));
      }
      for (int j = 0; j < 96; j++) {
        for (int i = 0; i < 96; i++) {
          assertThat(image.voxel(i, j, k)).isEqualTo(rendered.label(i, j, k));
        }
      }
    }
    assertThat(image.description()).contains("C1-C7");
  }

  @Test
  void shouldReadBackWithPixelMedAsTheRenderedHounsfieldUnits() throws Exception {
    List<PhantomStudy> studies = PhantomGenerator.generate(SMALL, tmp);
    assertThat(studies).extracting(PhantomStudy::encoding).as("three consecutive studies use every encoding")
        .containsExactlyInAnyOrder(PixelEncoding.values());
    for (PhantomStudy study : studies) {
      RenderedStudy rendered = PhantomGenerator.render(SMALL, study.studyIndex());
      double previousZ = Double.MAX_VALUE;
      for (int k = 0; k < study.slices(); k++) {
        var list = new AttributeList();
        list.read(study.dicomFiles().get(k).toFile());
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.TransferSyntaxUID))
            .isEqualTo(TransferSyntax.ExplicitVRLittleEndian);
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.SOPClassUID)).isEqualTo(SOPClass.CTImageStorage);
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.StudyInstanceUID)).isEqualTo(study.studyInstanceUid());
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.SeriesInstanceUID)).isEqualTo(study.seriesInstanceUid());
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.Modality)).isEqualTo("CT");
        assertThat(Attribute.getDelimitedStringValuesOrNull(list, TagFromName.ImageType)).isEqualTo("ORIGINAL\\PRIMARY\\AXIAL");
        assertThat(Attribute.getDoubleValues(list, TagFromName.ImageOrientationPatient)).containsExactly(1, 0, 0, 0, 1, 0);
        assertThat(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.InstanceNumber, -1)).isEqualTo(k + 1);
        double[] position = Attribute.getDoubleValues(list, TagFromName.ImagePositionPatient);
        assertThat(position).containsExactly(rendered.imagePositionPatient(k));
        assertThat(position[2]).as("z decreases as InstanceNumber increases").isLessThan(previousZ);
        previousZ = position[2];
        assertThat(Attribute.getDoubleValues(list, TagFromName.PixelSpacing)).containsExactly(1.875, 1.875);
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.PatientName))
            .isEqualTo("PHANTOM^STUDY" + study.studyIndex());
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.PatientID)).isEqualTo("PH-5-" + study.studyIndex());
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.PatientBirthDate)).isEqualTo("19700101");
        assertThat(Attribute.getSingleStringValueOrNull(list, TagFromName.PatientSex)).isEqualTo("O");
        assertThat(decodeHounsfield(list)).as("slice %d of %s", k + 1, study.encoding()).isEqualTo(rendered.hounsfield(k));
      }
    }
  }

  @Test
  void shouldGiveEveryFileAValidUniqueUid() throws Exception {
    List<PhantomStudy> studies = PhantomGenerator.generate(SMALL.withSlices(5), tmp);
    var uids = new ArrayList<String>();
    for (PhantomStudy study : studies) {
      for (Path file : study.dicomFiles()) {
        var list = new AttributeList();
        list.read(file.toFile());
        uids.add(Attribute.getSingleStringValueOrNull(list, TagFromName.SOPInstanceUID));
        uids.add(Attribute.getSingleStringValueOrNull(list, TagFromName.FrameOfReferenceUID));
      }
      uids.add(study.studyInstanceUid());
      uids.add(study.seriesInstanceUid());
    }
    assertThat(uids).allSatisfy(uid -> assertThat(uid).matches("2\\.25\\.[1-9][0-9]*").hasSizeLessThanOrEqualTo(64));
    assertThat(uids.stream().distinct().count()).as("frame of reference shared within a series only")
        .isEqualTo(uids.size() - 3 * 4);
  }

  /** What a reader applying the header computes: BitsStored mask, PixelRepresentation, slope and intercept. */
  static short[] decodeHounsfield(AttributeList list) throws Exception {
    int bitsStored = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsStored, 16);
    boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
    double slope = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleSlope, 1);
    double intercept = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleIntercept, 0);
    short[] stored = list.get(TagFromName.PixelData).getShortValues();
    short[] hu = new short[stored.length];
    int mask = (1 << bitsStored) - 1;
    for (int i = 0; i < stored.length; i++) {
      int value = stored[i] & mask;
      if (signed && (value & (1 << (bitsStored - 1))) != 0) {
        value -= 1 << bitsStored;
      }
      hu[i] = (short) Math.round(value * slope + intercept);
    }
    return hu;
  }

  private static byte[] pixels(Path file) throws Exception {
    var list = new AttributeList();
    list.read(file.toFile());
    return list.get(TagFromName.PixelData).getByteValues(false);
  }

  static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
