package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskRegionsTest {

  @Test
  void shouldCountEachLabelAndMapItsBoxBackToOriginalPixels() {
    // 4x4 model mask of a 10x10 slice: C2 at (1,1)-(2,2), T at (3,0).
    byte[] labels = new byte[16];
    labels[5] = 2;
    labels[6] = 2;
    labels[9] = 2;
    labels[10] = 2;
    labels[3] = 8;
    List<LabelRegion> regions = MaskRegions.of(labels, 4, 4, 10, 10);
    assertThat(regions).containsExactly(
        // x0 = floor(1*10/4)=2, x1 = ceil(3*10/4)=8
        new LabelRegion(2, "C2", 4, new PixelBox(2, 2, 8, 8)),
        new LabelRegion(8, "T1-T12", 1, new PixelBox(7, 0, 10, 3)));
  }

  @Test
  void shouldMapNonSquareSizesPerAxis() {
    byte[] labels = new byte[2 * 3];
    labels[5] = 7; // row 1, column 2 of a 2x3 mask; original 512 rows x 300 columns
    assertThat(MaskRegions.of(labels, 2, 3, 512, 300)).containsExactly(
        new LabelRegion(7, "C7", 1, new PixelBox(200, 256, 300, 512)));
  }

  @Test
  void shouldReportNothingForAnEmptyMask() {
    assertThat(MaskRegions.of(new byte[64], 8, 8, 512, 512)).isEmpty();
  }

  @Test
  void shouldEncodeRunsThatDecodeToTheSameMap() {
    byte[] labels = {0, 0, 0, 2, 2, 0, 8, 8, 8, 8};
    RunLengthMask rle = MaskRegions.runLength(labels);
    assertThat(rle.getLengths()).containsExactly(3, 2, 1, 4);
    byte[] runLabels = new byte[rle.getLabels().remaining()];
    rle.getLabels().duplicate().get(runLabels);
    assertThat(runLabels).containsExactly(0, 2, 0, 8);
  }
}
