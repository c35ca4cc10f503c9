package io.spinestream.common.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The model card: the JSON file next to a TorchScript model that says what the model is and how to feed it.
 * Parsed leniently (unknown fields are ignored, free-form sections stay {@link JsonNode}); {@link #read}
 * validates every field the runtime and the services use and reports all problems in one message.
 *
 * <p>Shapes use {@code -1} for the batch dimension, which must come first; the other input dimensions are
 * fixed. Output dimensions other than the batch may be {@code -1} (any size).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(
    String name,
    String version,
    String task,
    String file,
    String sha256,
    @JsonProperty("torch_version") String torchVersion,
    Input input,
    Preprocessing preprocessing,
    Output output,
    JsonNode labels,
    Postprocessing postprocessing,
    JsonNode crop,
    JsonNode training,
    JsonNode metrics) {

  /** Stage 1: 2.5D U-Net, input {@code [N,3,H,W]} (slices i-1, i, i+1). */
  public static final String TASK_SEGMENTATION = "segmentation-2.5d";
  /** Stage 2: per-vertebra fracture classifier, input {@code [N,24,3,H,W]}. */
  public static final String TASK_VERTEBRA_FRACTURE = "vertebra-fracture";

  /**
   * {@code postprocessing.level_ordering} of a segmenter: the study-level rule that names each slice's level
   * monotonically along z (models/README.md, the contract; Python {@code contract.level_states}).
   */
  public static final String LEVEL_ORDERING_MONOTONE_V1 = "monotone-levels-v1";
  /** The monotone rule, and besides the level of a body below C2 never spans a gap between two bodies. */
  public static final String LEVEL_ORDERING_MONOTONE_V2 = "monotone-levels-v2";
  /** The level orderings this version applies. */
  public static final List<String> LEVEL_ORDERINGS = List.of(LEVEL_ORDERING_MONOTONE_V1,
      LEVEL_ORDERING_MONOTONE_V2);

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Input(List<Long> shape, String dtype, String layout, JsonNode channels) {}

  /** HU window applied to raw Hounsfield units, then per-channel normalisation {@code (v - mean) / std}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Preprocessing(@JsonProperty("hu_window") List<Double> huWindow, List<Double> mean,
      List<Double> std, JsonNode resize) {
    /** The per-channel means as the float the preprocessing computes in. */
    public float[] meanValues() {
      return floats(mean);
    }

    /** The per-channel standard deviations as floats. */
    public float[] stdValues() {
      return floats(std);
    }

    private static float[] floats(List<Double> values) {
      float[] out = new float[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = values.get(i).floatValue();
      }
      return out;
    }
  }

  /**
   * What is done to the model's output before it leaves the service. Optional as a whole and per key, so
   * cards exported before a rule existed still load (and run without it).
   *
   * @param levelOrdering absent or empty: none; otherwise one of {@link #LEVEL_ORDERINGS}
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Postprocessing(@JsonProperty("level_ordering") String levelOrdering) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Output(List<Long> shape, JsonNode meaning) {}

  /**
   * Reads and validates a card.
   *
   * @throws ModelLoadException naming the card and every problem found
   */
  public static ModelCard read(Path cardPath) {
    if (!Files.isRegularFile(cardPath)) {
      throw new ModelLoadException("Model card " + cardPath + " does not exist: point the model setting at the"
          + " .json card next to the .pt (models/shipped/<name>.json).");
    }
    ModelCard card;
    try {
      card = JSON.readValue(cardPath.toFile(), ModelCard.class);
    } catch (IOException e) {
      throw new ModelLoadException("Model card " + cardPath + " is not a readable model card ("
          + firstLine(e.getMessage()) + "): fix the JSON or re-export the model with its card.", e);
    }
    if (card == null) {
      throw new ModelLoadException("Model card " + cardPath + " is empty: re-export the model with its card.");
    }
    List<String> problems = card.problems();
    if (!problems.isEmpty()) {
      throw new ModelLoadException("Model card " + cardPath + " is invalid: " + String.join("; ", problems)
          + ". Fix the card or re-export the model with its card.");
    }
    return card;
  }

  /** Everything wrong with this card, empty if it is usable. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    require(problems, "name", name);
    require(problems, "version", version);
    require(problems, "task", task);
    require(problems, "file", file);
    if (require(problems, "sha256", sha256) && !SHA256.matcher(sha256).matches()) {
      problems.add("\"sha256\" must be 64 hex digits (SHA-256 of the .pt), got '" + sha256 + "'");
    }
    if (input == null) {
      problems.add("missing \"input\"");
    } else {
      checkShape(problems, "input.shape", input.shape(), false);
      if (input.dtype() == null) {
        problems.add("missing \"input.dtype\"");
      } else if (!"float32".equals(input.dtype())) {
        problems.add("\"input.dtype\" must be float32, got '" + input.dtype() + "'");
      }
    }
    if (output == null) {
      problems.add("missing \"output\"");
    } else {
      checkShape(problems, "output.shape", output.shape(), true);
    }
    if (preprocessing == null) {
      problems.add("missing \"preprocessing\"");
    } else {
      checkPreprocessing(problems);
    }
    String ordering = postprocessing == null ? null : postprocessing.levelOrdering();
    if (ordering != null && !ordering.isEmpty() && !LEVEL_ORDERINGS.contains(ordering)) {
      // A rule this version does not know would silently give other masks than training measured: refuse.
      problems.add("\"postprocessing.level_ordering\" is '" + ordering + "', which this version does not know"
          + " (known: '" + String.join("', '", LEVEL_ORDERINGS) + "', or absent for none)");
    }
    return problems;
  }

  /** The level ordering the card asks for over a series' masks (one of {@link #LEVEL_ORDERINGS}), "" for none. */
  public String levelOrdering() {
    return postprocessing == null || postprocessing.levelOrdering() == null ? "" : postprocessing.levelOrdering();
  }

  /** The .pt file, relative to the card's folder unless absolute. */
  public Path modelFile(Path cardPath) {
    Path parent = cardPath.toAbsolutePath().getParent();
    return parent.resolve(file);
  }

  /** The input shape with the batch dimension set to {@code batch}. */
  public long[] inputShape(int batch) {
    long[] shape = toArray(input.shape());
    shape[0] = batch;
    return shape;
  }

  /** The input shape of one item (without the batch dimension). */
  public long[] itemInputShape() {
    long[] shape = toArray(input.shape());
    return java.util.Arrays.copyOfRange(shape, 1, shape.length);
  }

  /** The card's output shape; {@code -1} stands for any size. */
  public long[] outputShape() {
    return toArray(output.shape());
  }

  /** Whether {@code actual}, produced for a batch of {@code batch}, is what the card's output shape allows. */
  public boolean outputShapeMatches(long[] actual, int batch) {
    long[] expected = outputShape();
    if (actual.length != expected.length || actual[0] != batch) {
      return false;
    }
    for (int i = 1; i < expected.length; i++) {
      if (expected[i] != -1 && expected[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** {@code name version} for logs and messages. */
  public String id() {
    return name + " " + version;
  }

  private static boolean require(List<String> problems, String field, String value) {
    if (value == null || value.isBlank()) {
      problems.add("missing \"" + field + "\"");
      return false;
    }
    return true;
  }

  private static void checkShape(List<String> problems, String field, List<Long> shape, boolean anyAllowed) {
    if (shape == null || shape.isEmpty()) {
      problems.add("missing \"" + field + "\"");
      return;
    }
    if (shape.contains(null)) {
      problems.add("\"" + field + "\" has an empty dimension: " + shape);
      return;
    }
    if (shape.get(0) != -1) {
      problems.add("\"" + field + "\" must start with -1 (the batch dimension), got " + shape);
    }
    for (int i = 1; i < shape.size(); i++) {
      long dim = shape.get(i);
      if (dim == 0 || dim < -1 || (dim == -1 && !anyAllowed)) {
        problems.add("\"" + field + "\" dimension " + i + " must be a positive size, got " + shape);
        break;
      }
    }
  }

  private void checkPreprocessing(List<String> problems) {
    List<Double> window = preprocessing.huWindow();
    if (window == null || window.size() != 2 || window.contains(null) || window.get(0) >= window.get(1)) {
      problems.add("\"preprocessing.hu_window\" must be [low, high] with low < high, got " + window);
    }
    List<Double> mean = preprocessing.mean();
    List<Double> std = preprocessing.std();
    if (mean == null || mean.isEmpty() || mean.contains(null)) {
      problems.add("\"preprocessing.mean\" must list one value per channel, got " + mean);
    }
    if (std == null || std.isEmpty() || std.contains(null) || std.stream().anyMatch(s -> s <= 0)) {
      problems.add("\"preprocessing.std\" must list one positive value per channel, got " + std);
    }
    if (mean != null && std != null && mean.size() != std.size()) {
      problems.add("\"preprocessing.mean\" and \"preprocessing.std\" differ in length: " + mean + " and " + std);
    }
  }

  private static long[] toArray(List<Long> shape) {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
