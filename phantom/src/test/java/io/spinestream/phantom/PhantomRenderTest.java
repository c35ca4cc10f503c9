package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PhantomRenderTest {
  /** 256², no noise, no fractures: exact tissue values. */
  private static final PhantomOptions CLEAN = PhantomOptions.defaults().withMatrix(256).withSeed(11)
      .withNoiseSigmaHu(0).withFractures(0);
  private static RenderedStudy clean;

  @BeforeAll
  static void render() {
    clean = PhantomGenerator.render(CLEAN, 0);
  }

  @Test
  void shouldRenderEveryLabelWithPlausibleVolumes() {
    long[] counts = clean.labelVoxelCounts();
    double voxelMm3 = clean.pixelSpacingMm() * clean.pixelSpacingMm() * clean.sliceSpacingMm();
    for (Vertebra v : Vertebra.values()) {
      assertThat(counts[v.label()] * voxelMm3).as("volume of %s in mm³", v).isBetween(2_500.0, 20_000.0);
    }
    assertThat(counts[Vertebra.THORACIC_LABEL] * voxelMm3).as("thoracic volume (T1, T2 and part of T3)")
        .isGreaterThan(20_000.0);
    assertThat(counts[Vertebra.C2.label()]).as("C2 with its dens outweighs C3").isGreaterThan(counts[Vertebra.C3.label()]);
    assertThat(counts[Vertebra.C7.label()]).as("vertebrae grow downward").isGreaterThan(counts[Vertebra.C3.label()]);
  }

  @Test
  void shouldStackLabelsFromC1AtTheTopToThoracicAtTheBottom() {
    double[] meanSlice = new double[9];
    long[] counts = new long[9];
    for (int k = 0; k < clean.slices(); k++) {
      for (byte label : clean.labels(k)) {
        meanSlice[label] += k;
        counts[label]++;
      }
    }
    for (int label = 1; label <= 8; label++) {
      meanSlice[label] /= counts[label];
    }
    for (int label = 1; label < 8; label++) {
      assertThat(meanSlice[label]).as("label %d lies above label %d", label, label + 1)
          .isLessThan(meanSlice[label + 1]);
    }
    // margin: the first and last slices hold no labelled vertebra
    assertThat(labelsIn(0)).doesNotContain(1, 2);
    assertThat(labelsIn(clean.slices() - 1)).doesNotContain(1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void shouldPutTheDensOfC2InsideTheRingOfC1() {
    // some slice holds C1 in front of and behind C2 on the same column: the dens inside the ring
    boolean found = false;
    for (int k = 0; k < clean.slices() && !found; k++) {
      for (int i = 0; i < clean.columns() && !found; i++) {
        int state = 0; // 0: nothing yet, 1: seen C1 (anterior arch), 2: then C2 (dens), 3: then C1 (posterior arch)
        for (int j = 0; j < clean.rows(); j++) {
          int label = clean.label(i, j, k);
          if (state == 0 && label == 1 || state == 1 && label == 2 || state == 2 && label == 1) {
            state++;
          }
        }
        found = state == 3;
      }
    }
    assertThat(found).as("a column crossing C1, then the dens, then C1 again").isTrue();
  }

  @Test
  void shouldKeepEveryTissueInItsHounsfieldRange() {
    long cortical = 0;
    long cancellous = 0;
    long fat = 0;
    long soft = 0;
    long air = 0;
    long outOfRange = 0;
    for (int k = 0; k < clean.slices(); k++) {
      short[] hu = clean.hounsfield(k);
      byte[] labels = clean.labels(k);
      for (int v = 0; v < hu.length; v++) {
        int value = hu[v];
        if (labels[v] != 0) {
          if (value >= 700 && value <= 1500) {
            cortical++;
          } else if (value >= 200 && value <= 350) {
            cancellous++;
          } else {
            outOfRange++;
          }
        } else if (value >= -110 && value <= -90) {
          fat++;
        } else if (value >= 35 && value <= 45) {
          soft++;
        } else if (value == -1000) {
          air++;
        }
      }
    }
    assertThat(outOfRange).as("labelled voxels neither cortical (700..1500) nor cancellous (200..350)").isZero();
    assertThat(cortical).isPositive();
    assertThat(cancellous).as("a 1.5 mm rim leaves a core in bodies").isPositive();
    assertThat((double) cortical / (cortical + cancellous)).as("cortical share").isBetween(0.3, 0.85);
    assertThat(fat).isPositive();
    assertThat(soft).isGreaterThan(fat);
    assertThat(air).isPositive();
    assertThat(clean.hounsfield(0, 0, 0)).as("corner of the image is air").isEqualTo((short) -1000);
  }

  @Test
  void shouldPlaceTheAirwayInFrontOfTheSpineInsideTheNeck() {
    int first = -1;
    int last = -1;
    for (int k = 0; k < clean.slices(); k++) {
      if (labelsIn(k).contains(Vertebra.C4.label())) {
        first = first < 0 ? k : first;
        last = k;
      }
    }
    int checked = 0;
    // the middle half of C4's slices cut its body, whatever the pose
    for (int k = first + (last - first) / 4; k <= last - (last - first) / 4; k++) {
      int[] centre = centroid(k, Vertebra.C4.label());
      // walk down the column through C4 from the anterior edge of the image
      List<String> sequence = new ArrayList<>();
      for (int j = 0; j < clean.rows(); j++) {
        String tissue = tissue(clean.hounsfield(centre[0], j, k), clean.label(centre[0], j, k));
        if (sequence.isEmpty() || !sequence.get(sequence.size() - 1).equals(tissue)) {
          sequence.add(tissue);
        }
      }
      assertThat(sequence).as("tissues along the column through C4 in slice %d", k)
          .startsWith("air", "fat", "soft", "air", "soft", "bone");
      checked++;
    }
    assertThat(checked).as("slices through C4").isGreaterThan(5);
  }

  @Test
  void shouldAddGaussianNoiseOfTheRequestedSigma() {
    RenderedStudy noisy = PhantomGenerator.render(CLEAN.withNoiseSigmaHu(20), 0);
    int k = noisy.slices() / 2;
    double sum = 0;
    double squares = 0;
    int n = 0;
    for (int v = 0; v < clean.hounsfield(k).length; v++) {
      if (clean.hounsfield(k)[v] == -1000) {
        continue; // clamping at -1024 would bias air
      }
      double diff = noisy.hounsfield(k)[v] - clean.hounsfield(k)[v];
      sum += diff;
      squares += diff * diff;
      n++;
    }
    double mean = sum / n;
    assertThat(mean).isCloseTo(0, within(0.5));
    assertThat(Math.sqrt(squares / n - mean * mean)).isCloseTo(20, within(1.0));
    assertThat(noisy.labels(k)).as("noise never changes labels").isEqualTo(clean.labels(k));
  }

  @Test
  void shouldRenderTheSameAnatomyInMillimetresAtEveryMatrix() {
    RenderedStudy coarse = PhantomGenerator.render(CLEAN.withMatrix(128), 0);
    assertThat(coarse.slices()).isEqualTo(clean.slices());
    long[] fine = clean.labelVoxelCounts();
    long[] rough = coarse.labelVoxelCounts();
    for (int label = 1; label <= 8; label++) {
      double fineMm3 = fine[label] * clean.pixelSpacingMm() * clean.pixelSpacingMm();
      double roughMm3 = rough[label] * coarse.pixelSpacingMm() * coarse.pixelSpacingMm();
      assertThat(roughMm3).as("label %d volume at 128² vs 256²", label).isCloseTo(fineMm3, within(0.15 * fineMm3));
    }
  }

  @Test
  void shouldRenderIdenticallyForTheSameSeedAndDifferentlyForAnother() {
    RenderedStudy again = PhantomGenerator.render(CLEAN, 0);
    for (int k = 0; k < clean.slices(); k++) {
      assertThat(again.hounsfield(k)).isEqualTo(clean.hounsfield(k));
      assertThat(again.labels(k)).isEqualTo(clean.labels(k));
    }
    RenderedStudy other = PhantomGenerator.render(CLEAN.withSeed(12), 0);
    RenderedStudy nextStudy = PhantomGenerator.render(CLEAN, 1);
    assertThat(other.studyInstanceUid()).isNotEqualTo(clean.studyInstanceUid());
    assertThat(nextStudy.studyInstanceUid()).isNotEqualTo(clean.studyInstanceUid());
    int k = Math.min(other.slices(), clean.slices()) / 2;
    assertThat(other.labels(k)).isNotEqualTo(clean.labels(k));
    assertThat(nextStudy.labels(k)).isNotEqualTo(clean.labels(k));
  }

  @Test
  void shouldStartExplicitSliceCountsAtTheSameTop() {
    RenderedStudy short40 = PhantomGenerator.render(CLEAN.withSlices(40), 0);
    assertThat(short40.slices()).isEqualTo(40);
    assertThat(short40.imagePositionPatient(0)).containsExactly(clean.imagePositionPatient(0));
    assertThat(short40.labels(30)).isEqualTo(clean.labels(30));
  }

  @Test
  void shouldPlantEachFractureAsAPlanarCleftInsideItsVertebraOnly() {
    PhantomOptions broken = CLEAN.withFractures(0, Vertebra.values());
    RenderedStudy study = PhantomGenerator.render(broken, 0);
    assertThat(study.fractured()).containsExactlyInAnyOrder(Vertebra.values());
    assertThat(study.fracturePlanes()).hasSize(7);
    double voxelMm3 = study.pixelSpacingMm() * study.pixelSpacingMm() * study.sliceSpacingMm();
    for (FracturePlane plane : study.fracturePlanes()) {
      assertThat(plane.thicknessMm()).isBetween(1.0, 2.0);
      double displacement = Math.sqrt(Arrays.stream(plane.displacementMm()).map(x -> x * x).sum());
      assertThat(displacement).isBetween(1.0, 3.0);
      long cleft = 0;
      for (int k = 0; k < study.slices(); k++) {
        double[] origin = study.imagePositionPatient(k);
        for (int j = 0; j < study.rows(); j++) {
          for (int i = 0; i < study.columns(); i++) {
            if (study.label(i, j, k) == plane.vertebra().label() && study.hounsfield(i, j, k) < 200) {
              double x = origin[0] + i * study.pixelSpacingMm();
              double y = origin[1] + j * study.pixelSpacingMm();
              assertThat(Math.abs(plane.signedDistanceMm(x, y, origin[2])))
                  .as("cleft voxel of %s off its plane", plane.vertebra())
                  .isLessThanOrEqualTo(plane.thicknessMm() / 2 + 1e-6);
              assertThat((int) study.hounsfield(i, j, k)).isEqualTo(plane.cleftHu()).isBetween(40, 60);
              cleft++;
            }
          }
        }
      }
      assertThat(cleft * voxelMm3).as("cleft volume of the %s fracture through the %s", plane.vertebra(),
          plane.part()).isGreaterThan(10.0);
    }
  }

  @Test
  void shouldChangeOnlyTheFracturedVertebra() {
    RenderedStudy broken = PhantomGenerator.render(CLEAN.withFractures(0, Vertebra.C5), 0);
    assertThat(broken.fractured()).containsExactly(Vertebra.C5);
    long changed = 0;
    long changedElsewhere = 0;
    long lowInIntactBone = 0;
    for (int k = 0; k < clean.slices(); k++) {
      for (int v = 0; v < clean.labels(k).length; v++) {
        boolean differs = broken.labels(k)[v] != clean.labels(k)[v] || broken.hounsfield(k)[v] != clean.hounsfield(k)[v];
        if (differs) {
          changed++;
          if (broken.labels(k)[v] != 5 && clean.labels(k)[v] != 5) {
            changedElsewhere++;
          }
        }
        if (clean.labels(k)[v] != 0 && clean.hounsfield(k)[v] < 200) {
          lowInIntactBone++;
        }
        if (broken.labels(k)[v] != 0 && broken.labels(k)[v] != 5 && broken.hounsfield(k)[v] < 200) {
          lowInIntactBone++;
        }
      }
    }
    assertThat(changed).as("voxels changed by the fracture").isGreaterThan(100);
    assertThat(changedElsewhere).as("voxels changed outside C5").isZero();
    assertThat(lowInIntactBone).as("cleft-like voxels in intact vertebrae").isZero();
  }

  @Test
  void shouldMakeAboutHalfTheStudiesPositiveByDefault() {
    PhantomOptions options = PhantomOptions.defaults().withSeed(3);
    int positive = 0;
    int[] perVertebra = new int[7];
    for (int study = 0; study < 1000; study++) {
      Set<Vertebra> fractured = Anatomy.chooseFractures(options, study);
      positive += fractured.isEmpty() ? 0 : 1;
      fractured.forEach(v -> perVertebra[v.ordinal()]++);
    }
    assertThat(positive).isBetween(450, 550);
    assertThat(Arrays.stream(perVertebra).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(60, 130));
    assertThat(Anatomy.chooseFractures(options.withFractures(5, Vertebra.C2, Vertebra.C7), 5))
        .isEqualTo(EnumSet.of(Vertebra.C2, Vertebra.C7));
  }

  private Set<Integer> labelsIn(int k) {
    var labels = new java.util.TreeSet<Integer>();
    for (byte label : clean.labels(k)) {
      labels.add((int) label);
    }
    return labels;
  }

  private int[] centroid(int k, int label) {
    long si = 0;
    long sj = 0;
    long n = 0;
    for (int j = 0; j < clean.rows(); j++) {
      for (int i = 0; i < clean.columns(); i++) {
        if (clean.label(i, j, k) == label) {
          si += i;
          sj += j;
          n++;
        }
      }
    }
    return new int[] {(int) (si / n), (int) (sj / n)};
  }

  private static String tissue(int hu, int label) {
    if (label != 0) {
      return "bone";
    }
    if (hu == -1000) {
      return "air";
    }
    if (hu <= -90 && hu >= -110) {
      return "fat";
    }
    return "soft";
  }
}
