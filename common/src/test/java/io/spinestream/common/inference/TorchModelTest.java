package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class TorchModelTest {
  private static final Logger LOG = LoggerFactory.getLogger(TorchModelTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0} at batch {1}")
  @CsvSource({"tiny_seg, 1", "tiny_seg, 4", "tiny_cls, 1", "tiny_cls, 4"})
  void shouldMatchPyTorchWithin1e5OnThePrngInput(String name, int batch) throws Exception {
    Path cardPath = TinyModels.card(name);
    ModelCard card = ModelCard.read(cardPath);
    try (TorchModel model = TorchModel.load(cardPath, card.task(), TinyModels.ENGINE);
        ModelPredictor predictor = model.newPredictor()) {
      Tensor output = predictor.predict(PrngInput.tensor(PrngInput.DEFAULT_SEED, card.inputShape(batch)));
      float[] reference = TinyModels.reference(name, batch);
      double error = TinyModels.maxAbsDifference(output.data(), reference);
      LOG.info("parity {} batch {}: max |DJL - PyTorch| = {} over {} values", name, batch, error, reference.length);
      assertThat(output.shape()[0]).isEqualTo(batch);
      assertThat(error).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void shouldRunOnTheCpuWhenDeviceIsAutoAndNoGpuIsVisible() {
    try (TorchModel model = TorchModel.load(TinyModels.card(TinyModels.SEG), ModelCard.TASK_SEGMENTATION,
        TinyModels.ENGINE.withDevice(DeviceChoice.AUTO))) {
      assertThat(model.device().isGpu()).isFalse();
      assertThat(model.card().name()).isEqualTo(TinyModels.SEG);
    }
  }

  @Test
  void shouldRefuseToStartOnGpuWhenNoGpuIsVisible() {
    assertThatThrownBy(() -> TorchModel.load(TinyModels.card(TinyModels.SEG), ModelCard.TASK_SEGMENTATION,
        TinyModels.ENGINE.withDevice(DeviceChoice.GPU)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Device gpu was requested but DJL sees no usable GPU")
        .hasMessageContaining("set the device to cpu or auto");
  }

  @Test
  void shouldRefuseAModelWhoseHashDiffersFromItsCard(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    Path pt = dir.resolve("tiny_seg.pt");
    byte[] bytes = Files.readAllBytes(pt);
    bytes[bytes.length / 2] ^= 1;
    Files.write(pt, bytes);
    String cardHash = ModelCard.read(cardPath).sha256();
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("Model file " + pt.toAbsolutePath() + " does not match its card " + cardPath + ": sha256 is "
            + TorchModel.sha256(pt) + ", the card says " + cardHash + ". Ship the .pt together with the card "
            + "exported with it (or re-export both).");
  }

  @Test
  void shouldRefuseACardWhoseInputShapeTheModelRejects(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    editCard(cardPath, card -> ((ObjectNode) card.get("input")).putArray("shape").add(-1).add(4).add(32).add(32));
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model file " + dir.toAbsolutePath().resolve("tiny_seg.pt")
            + " does not accept the input of its card " + cardPath
            + ": a forward pass on zeros of input.shape [1, 4, 32, 32] failed (")
        .hasMessageContaining("expected input[1, 4, 32, 32] to have 3 channels, but got 4 channels instead)")
        .hasMessageEndingWith("Fix \"input.shape\" in the card (the model must take one float32 tensor of that "
            + "shape and return one tensor).");
  }

  @Test
  void shouldRefuseACardWhoseOutputShapeDiffersFromTheModels(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    editCard(cardPath, card -> ((ObjectNode) card.get("output")).putArray("shape").add(-1).add(8).add(32).add(32));
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("Model file " + dir.toAbsolutePath().resolve("tiny_seg.pt") + " does not match its card "
            + cardPath + ": on zeros of input.shape [1, 3, 32, 32] it returns [1, 9, 32, 32], the card's "
            + "output.shape is [-1, 8, 32, 32]. Fix \"output.shape\" in the card or ship the model the card "
            + "describes.");
  }

  @Test
  void shouldRefuseACardWhoseModelFileIsMissing(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    Files.delete(dir.resolve("tiny_seg.pt"));
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("Model file " + dir.toAbsolutePath().resolve("tiny_seg.pt") + " (\"file\" in card " + cardPath
            + ") does not exist: put the .pt next to its card or fix the card's \"file\".");
  }

  @Test
  void shouldRefuseACardForAnotherTask() {
    Path cardPath = TinyModels.card(TinyModels.CLS);
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("Model card " + cardPath + " is for task 'vertebra-fracture', this service runs "
            + "'segmentation-2.5d': configure a model card whose task is 'segmentation-2.5d'.");
  }

  @Test
  void shouldRefuseACardMissingRequiredFields(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    editCard(cardPath, card -> card.remove(List.of("sha256", "output")));
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("Model card " + cardPath + " is invalid: missing \"sha256\"; missing \"output\". Fix the card "
            + "or re-export the model with its card.");
  }

  @Test
  void shouldRefuseAFileThatIsNotTorchScript(@TempDir Path dir) throws Exception {
    Path cardPath = copy(TinyModels.SEG, dir);
    Path pt = dir.resolve("tiny_seg.pt");
    Files.writeString(pt, "not a zip archive");
    editCard(cardPath, card -> card.put("sha256", TorchModel.sha256(pt)));
    assertThatThrownBy(() -> TorchModel.load(cardPath, ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model file " + pt.toAbsolutePath() + " (tiny_seg 0.0.1-test) cannot be loaded as "
            + "TorchScript (")
        .hasMessageEndingWith("export it with torch.jit.script or torch.jit.trace and save it with torch.jit.save.");
  }

  /** Copies a tiny model and its card into {@code dir}; returns the copied card. */
  static Path copy(String name, Path dir) throws Exception {
    Files.copy(TinyModels.dir().resolve(name + ".pt"), dir.resolve(name + ".pt"));
    return Files.copy(TinyModels.card(name), dir.resolve(name + ".json"));
  }

  private static void editCard(Path cardPath, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode card = (ObjectNode) JSON.readTree(cardPath.toFile());
    edit.accept(card);
    JSON.writeValue(cardPath.toFile(), card);
  }
}
