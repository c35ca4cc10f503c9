package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {
  private static final String VALID = """
      {"name": "seg", "version": "1.0.0", "task": "segmentation-2.5d", "file": "seg.pt",
       "sha256": "%s", "torch_version": "1.13.0", "future_field": {"anything": [1, 2]},
       "input": {"shape": [-1, 3, 320, 320], "dtype": "float32", "layout": "NCHW", "channels": 3},
       "preprocessing": {"hu_window": [-400, 1000], "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                         "resize": [320, 320]},
       "output": {"shape": [-1, 9, 320, 320], "meaning": {"kind": "logits"}},
       "labels": ["background", "C1"], "metrics": {"dice": 0.96}}
      """.formatted("ab".repeat(32));

  @Test
  void shouldReadACardIgnoringUnknownFields(@TempDir Path dir) throws Exception {
    ModelCard card = ModelCard.read(Files.writeString(dir.resolve("seg.json"), VALID));
    assertThat(card.id()).isEqualTo("seg 1.0.0");
    assertThat(card.torchVersion()).isEqualTo("1.13.0");
    assertThat(card.inputShape(4)).containsExactly(4, 3, 320, 320);
    assertThat(card.itemInputShape()).containsExactly(3, 320, 320);
    assertThat(card.preprocessing().huWindow()).containsExactly(-400.0, 1000.0);
    assertThat(card.metrics().get("dice").asDouble()).isEqualTo(0.96);
    assertThat(card.modelFile(dir.resolve("seg.json"))).isEqualTo(dir.toAbsolutePath().resolve("seg.pt"));
  }

  @Test
  void shouldListEveryMissingOrInvalidFieldInOneMessageNamingTheCard(@TempDir Path dir) throws Exception {
    Path path = Files.writeString(dir.resolve("bad.json"), """
        {"name": "seg", "version": "1", "task": "segmentation-2.5d", "file": "seg.pt", "sha256": "12ab",
         "input": {"shape": [1, 3, 320, 320], "dtype": "float16"},
         "preprocessing": {"hu_window": [1000, -400], "mean": [0.5], "std": [0.2, 0.2]}}
        """);
    assertThatThrownBy(() -> ModelCard.read(path))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model card " + path + " is invalid: ")
        .hasMessageContaining("\"sha256\" must be 64 hex digits")
        .hasMessageContaining("\"input.shape\" must start with -1 (the batch dimension)")
        .hasMessageContaining("\"input.dtype\" must be float32")
        .hasMessageContaining("missing \"output\"")
        .hasMessageContaining("\"preprocessing.hu_window\" must be [low, high]")
        .hasMessageContaining("differ in length")
        .hasMessageEndingWith("Fix the card or re-export the model with its card.");
  }

  @Test
  void shouldReportAMissingCardWithItsPath(@TempDir Path dir) {
    Path path = dir.resolve("absent.json");
    assertThatThrownBy(() -> ModelCard.read(path)).isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model card " + path + " does not exist");
  }

  @Test
  void shouldReportCardsThatAreNotJson(@TempDir Path dir) throws Exception {
    Path path = Files.writeString(dir.resolve("x.json"), "name: seg");
    assertThatThrownBy(() -> ModelCard.read(path)).isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model card " + path + " is not a readable model card");
  }

  @Test
  void shouldAcceptAnyOutputSizeWhereTheCardSaysMinusOne(@TempDir Path dir) throws Exception {
    ModelCard card = ModelCard.read(Files.writeString(dir.resolve("seg.json"),
        VALID.replace("[-1, 9, 320, 320]", "[-1, 9, -1, -1]")));
    assertThat(card.outputShapeMatches(new long[] {2, 9, 100, 100}, 2)).isTrue();
    assertThat(card.outputShapeMatches(new long[] {2, 8, 100, 100}, 2)).isFalse();
    assertThat(card.outputShapeMatches(new long[] {1, 9, 100, 100}, 2)).isFalse();
  }

  @Test
  void shouldApplyTheLevelOrderingOnlyWhenTheCardNamesIt(@TempDir Path dir) throws Exception {
    assertThat(ModelCard.read(Files.writeString(dir.resolve("none.json"), VALID)).levelOrdering())
        .as("no postprocessing section").isEmpty();
    String empty = VALID.replace("\"labels\"", "\"postprocessing\": {\"level_ordering\": \"\"}, \"labels\"");
    assertThat(ModelCard.read(Files.writeString(dir.resolve("empty.json"), empty)).levelOrdering())
        .as("empty rule").isEmpty();
    String other = VALID.replace("\"labels\"", "\"postprocessing\": {\"smoothing\": 3}, \"labels\"");
    assertThat(ModelCard.read(Files.writeString(dir.resolve("other.json"), other)).levelOrdering())
        .as("a postprocessing section without the key").isEmpty();
    for (String rule : List.of("monotone-levels-v1", "monotone-levels-v2")) {
      String named = VALID.replace("\"labels\"", "\"postprocessing\": {\"level_ordering\": \"" + rule
          + "\"}, \"labels\"");
      assertThat(ModelCard.read(Files.writeString(dir.resolve(rule + ".json"), named)).levelOrdering())
          .isEqualTo(rule);
    }
  }

  @Test
  void shouldRefuseALevelOrderingItDoesNotKnowNamingTheCardAndTheKey(@TempDir Path dir) throws Exception {
    Path path = Files.writeString(dir.resolve("future.json"), VALID.replace("\"labels\"",
        "\"postprocessing\": {\"level_ordering\": \"monotone-levels-v9\"}, \"labels\""));
    assertThatThrownBy(() -> ModelCard.read(path)).isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("Model card " + path + " is invalid: ")
        .hasMessageContaining("\"postprocessing.level_ordering\" is 'monotone-levels-v9'")
        .hasMessageContaining("'monotone-levels-v1', 'monotone-levels-v2'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
