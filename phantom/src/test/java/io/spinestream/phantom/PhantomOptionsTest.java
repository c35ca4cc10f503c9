package io.spinestream.phantom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhantomOptionsTest {
  @Test
  void shouldDefaultToTheClinicalGeometryAndHalfPositiveStudies() {
    PhantomOptions options = PhantomOptions.defaults();
    assertThat(options.matrix()).isEqualTo(512);
    assertThat(options.fieldOfViewMm()).isEqualTo(180);
    assertThat(options.pixelSpacingMm()).isEqualTo(0.3515625);
    assertThat(options.sliceSpacingMm()).isEqualTo(1.25);
    assertThat(options.effectiveSliceThicknessMm()).isEqualTo(1.25);
    assertThat(options.withSliceThicknessMm(2).effectiveSliceThicknessMm()).isEqualTo(2);
    assertThat(options.slices()).isZero();
    assertThat(options.noiseSigmaHu()).isEqualTo(20);
    assertThat(options.firstStudyIndex()).isZero();
    assertThat(1 - Math.pow(1 - options.fractureProbability(), 7)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void shouldRejectValuesOutOfRangeNamingTheOption() {
    var defaults = PhantomOptions.defaults();
    assertThatThrownBy(() -> defaults.withMatrix(16)).hasMessageContaining("matrix");
    assertThatThrownBy(() -> defaults.withFieldOfViewMm(Double.NaN)).hasMessageContaining("fieldOfViewMm");
    assertThatThrownBy(() -> defaults.withFractureProbability(-0.1)).hasMessageContaining("fractureProbability");
    assertThatThrownBy(() -> defaults.withStudies(0)).hasMessageContaining("studies");
    assertThatThrownBy(() -> defaults.withFirstStudyIndex(-1)).hasMessageContaining("firstStudyIndex");
    assertThatThrownBy(() -> defaults.withFractureOverrides(Map.of(-2, Set.of()))).hasMessageContaining("negative");
  }

  @Test
  void shouldCopyFractureOverridesDefensively() {
    var overrides = new HashMap<Integer, Set<Vertebra>>();
    var set = EnumSet.of(Vertebra.C2);
    overrides.put(4, set);
    PhantomOptions options = PhantomOptions.defaults().withFractureOverrides(overrides);
    set.add(Vertebra.C3);
    overrides.put(5, Set.of());
    assertThat(options.fractureOverrides()).containsOnlyKeys(4);
    assertThat(options.fractureOverrides().get(4)).containsExactly(Vertebra.C2);
    assertThat(options.withFractures(6).fractureOverrides().get(6)).isEmpty();
  }

  @Test
  void shouldWriteUidsDeterministicallyInTheTwoTwentyFiveForm() {
    assertThat(Uids.of("a")).isEqualTo(Uids.of("a")).isNotEqualTo(Uids.of("b"))
        .matches("2\\.25\\.[1-9][0-9]{0,38}").hasSizeLessThanOrEqualTo(44);
  }

  @Test
  void shouldFormatDecimalStringsExactlyWithinSixteenCharacters() {
    assertThat(DicomSeriesWriter.decimal(0.3515625)).isEqualTo("0.3515625");
    assertThat(DicomSeriesWriter.decimal(-107.94921875)).isEqualTo("-107.94921875");
    assertThat(DicomSeriesWriter.decimal(180)).isEqualTo("180");
    assertThat(DicomSeriesWriter.decimal(-0.0)).isEqualTo("0");
    assertThat(DicomSeriesWriter.decimal(1.0 / 3)).hasSizeLessThanOrEqualTo(16).startsWith("0.33333");
    assertThat(DicomSeriesWriter.decimal(1e-7)).isEqualTo("0.0000001");
    assertThat(DicomSeriesWriter.decimal(180.0 / 300)).isEqualTo("0.6");
    assertThat(DicomSeriesWriter.decimal(-1234.56789012345678)).hasSize(16).isEqualTo("-1234.5678901235");
  }

  @Test
  void shouldStoreAndDecodeEveryRepresentableHounsfieldValue() {
    for (PixelEncoding encoding : PixelEncoding.values()) {
      for (int hu = PixelEncoding.MIN_HU; hu <= PixelEncoding.MAX_HU; hu++) {
        short stored = encoding.store((short) hu);
        assertThat(encoding.decode(stored)).isEqualTo(hu);
        if (encoding.pixelRepresentation() == 0) {
          assertThat(stored & 0xFFFF).isLessThan(1 << encoding.bitsStored());
        }
      }
      assertThat(encoding.decode(encoding.store((short) 5000))).as("clamped").isEqualTo(PixelEncoding.MAX_HU);
      assertThat(encoding.decode(encoding.store((short) -3000))).as("clamped").isEqualTo(PixelEncoding.MIN_HU);
    }
  }
}
