package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slices whose rescale makes absurd values are refused; real CT, padding and a few metal pixels are not. */
class ValuePlausibilityTest {
  private static final DicomReader READER = new DicomReader(DicomLimits.DEFAULT);

  @TempDir
  Path dir;

  @BeforeAll
  static void quietLogs() {
    TestLogging.quietPixelMed();
  }

  private Path ct(String name, Consumer<AttributeList> change) {
    AttributeList list = TestDicom.ct(64, 64);
    change.accept(list);
    return TestDicom.write(list, dir.resolve(name));
  }

  @Test
  void shouldRefuseARescaleThatSaturatesThePixels() {
    Path huge = ct("huge-slope.dcm", list -> TestDicom.put(list, TagFromName.RescaleSlope, "1e30"));
    Path floor = ct("huge-intercept.dcm", list -> TestDicom.put(list, TagFromName.RescaleIntercept, "-1e12"));

    for (Path file : new Path[] {huge, floor}) {
      assertThatThrownBy(() -> READER.read(file))
          .isInstanceOfSatisfying(DicomRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(RejectionReason.IMPLAUSIBLE_VALUES))
          .hasMessageContaining(file.toString())
          .hasMessageContaining("clamped");
    }
  }

  @Test
  void shouldRefuseANegativeRescaleSlopeNamingIt() {
    Path negative = ct("negative.dcm", list -> TestDicom.put(list, TagFromName.RescaleSlope, "-1"));

    assertThatThrownBy(() -> READER.read(negative))
        .isInstanceOfSatisfying(DicomRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectionReason.INVALID_ATTRIBUTE))
        .hasMessageContaining("RescaleSlope");
  }

  @Test
  void shouldTakeACtWhoseFewPixelsSaturate() throws Exception {
    // Slope 10 (an extended CT scale): 20 of 4096 pixels (0.5 %) at stored 4095 are 39926 HU and clamp.
    short[] stored = TestDicom.phantom(64, 64, 42);
    for (int i = 0; i < stored.length; i++) {
      stored[i] = (short) Math.min(stored[i], 2000);
    }
    for (int i = 0; i < 20; i++) {
      stored[64 * 32 + 20 + i] = 4095;
    }
    AttributeList list = TestDicom.ct(64, 64, stored);
    TestDicom.put(list, TagFromName.RescaleSlope, "10");
    Path metal = TestDicom.write(list, dir.resolve("metal.dcm"));
    Path plain = ct("plain.dcm", unchanged -> { });

    DicomReadResult.Image image = (DicomReadResult.Image) READER.read(plain);
    assertThat(image.image().hounsfieldUnits()).contains((short) -1024);
    DicomReadResult.Image withMetal = (DicomReadResult.Image) READER.read(metal);
    assertThat(withMetal.image().hounsfieldUnits()).contains(Short.MAX_VALUE);
  }
}
