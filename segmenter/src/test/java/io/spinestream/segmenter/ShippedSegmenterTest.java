package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.inference.GoldenCheck;
import io.spinestream.common.inference.GoldenFile;
import io.spinestream.common.inference.ModelCard;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The segmenter the service starts with by default is the shipped one, and DJL runs it as PyTorch did. */
class ShippedSegmenterTest {
  private static final Path CARD = Path.of("..").resolve(SegmenterMain.MODEL.modelCard.defaultValue());

  @Test
  void defaultCardIsAShippedSegmentationModel() {
    ModelCard card = ModelCard.read(CARD);
    assertThat(card.task()).isEqualTo(ModelCard.TASK_SEGMENTATION);
    assertThat(card.itemInputShape()).hasSize(3).startsWith(3L);
    assertThat(card.labels().toString()).contains("C1", "C7", "T1-T12");
  }

  @Test
  void djlMatchesThePyTorchGoldenOutput() {
    String name = CARD.getFileName().toString().replaceFirst("\\.json$", "");
    GoldenFile.Comparison comparison = GoldenCheck.verify(CARD.getParent(), name);
    System.out.printf("shipped segmenter %s: max sample error %.2e, sum error %.2e%n", name,
        comparison.maxSampleError(), comparison.sumError());
    assertThat(comparison.maxSampleError()).isLessThanOrEqualTo(1e-4);
  }
}
