package io.spinestream.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.inference.GoldenCheck;
import io.spinestream.common.inference.GoldenFile;
import io.spinestream.common.inference.ModelCard;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The classifier the service starts with by default is the shipped one, and DJL runs it as PyTorch did. */
class ShippedClassifierTest {
  private static final Path CARD = Path.of("..").resolve(ClassifierMain.MODEL.modelCard.defaultValue());

  @Test
  void defaultCardIsAShippedSegmentationModel() {
    ModelCard card = ModelCard.read(CARD);
    assertThat(card.task()).isEqualTo(ModelCard.TASK_VERTEBRA_FRACTURE);
    assertThat(card.itemInputShape()).hasSize(4).startsWith(24L, 3L);
    assertThat(card.labels().toString()).contains("fracture");
  }

  @Test
  void djlMatchesThePyTorchGoldenOutput() {
    String name = CARD.getFileName().toString().replaceFirst("\\.json$", "");
    GoldenFile.Comparison comparison = GoldenCheck.verify(CARD.getParent(), name);
    System.out.printf("shipped classifier %s: max sample error %.2e, sum error %.2e%n", name,
        comparison.maxSampleError(), comparison.sumError());
    assertThat(comparison.maxSampleError()).isLessThanOrEqualTo(1e-4);
  }
}
