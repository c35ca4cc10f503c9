package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/**
 * Test helper: runs a model on its golden file's input and asserts the output agrees with what PyTorch
 * computed at export ({@code <name>.json}, {@code <name>.pt} and {@code <name>.golden.json} in one folder,
 * the layout of {@code models/shipped}). Use it on every shipped model:
 * {@code GoldenCheck.verify(Path.of("../models/shipped"), "segmenter")}.
 */
public final class GoldenCheck {
  /** Per sampled value: {@code |djl - torch| <= ATOL + RTOL * |torch|}. */
  public static final double ATOL = 1e-5;
  public static final double RTOL = 1e-4;

  private GoldenCheck() {}

  /** Loads the model (checking card, hash and shapes) and returns how far it is from its golden output. */
  public static GoldenFile.Comparison verify(Path modelDir, String name) {
    Path cardPath = modelDir.resolve(name + ".json");
    Path goldenPath = modelDir.resolve(name + ".golden.json");
    assertThat(goldenPath).as("golden file of model %s", name).isRegularFile();
    GoldenFile golden = GoldenFile.read(goldenPath);
    ModelCard card = ModelCard.read(cardPath);
    try (TorchModel model = TorchModel.load(cardPath, card.task(), EngineConfig.cpu(1));
        ModelPredictor predictor = model.newPredictor()) {
      Tensor output = predictor.predict(golden.input());
      GoldenFile.Comparison comparison = golden.compare(output, ATOL, RTOL);
      assertThat(comparison.problems()).as("model %s against %s", card.id(), goldenPath).isEmpty();
      return comparison;
    }
  }
}
