package io.spinestream.common.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's golden file ({@code <name>.golden.json}, written by the export next to the model and its card):
 * the output PyTorch computed on the {@link PrngInput} of a given seed and shape, summarised as the output
 * shape, the float64 sum and sum of absolute values, and the values at some flat (C-order) indices.
 *
 * <pre>
 * {"name": "...", "prng": {"algorithm": "xorshift32", "seed": 20221010, "value": "(x >>> 8) / 2^24"},
 *  "input_shape": [1, 3, 32, 32], "input_sum": 1536.2, "output_shape": [1, 9, 32, 32],
 *  "sum": -12.5, "abs_sum": 803.1, "indices": [0, 46, ...], "values": [0.0123, ...]}
 * </pre>
 *
 * {@code input_sum} is optional; when present a mismatch is reported as a PRNG difference, not a model one.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GoldenFile(
    String name,
    Prng prng,
    @JsonProperty("input_shape") long[] inputShape,
    @JsonProperty("input_sum") Double inputSum,
    @JsonProperty("output_shape") long[] outputShape,
    double sum,
    @JsonProperty("abs_sum") double absSum,
    long[] indices,
    double[] values) {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Prng(String algorithm, long seed) {}

  /** Agreement of an output with the golden file: {@code problems} is empty when it agrees. */
  public record Comparison(double maxSampleError, double sumError, double absSumError, List<String> problems) {
    public boolean agrees() {
      return problems.isEmpty();
    }
  }

  public static GoldenFile read(Path path) {
    GoldenFile golden;
    try {
      golden = JSON.readValue(path.toFile(), GoldenFile.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("Golden file " + path + " cannot be read: " + e.getMessage(), e);
    }
    List<String> problems = new ArrayList<>();
    if (golden.prng() == null || !"xorshift32".equals(golden.prng().algorithm())) {
      problems.add("\"prng.algorithm\" must be xorshift32");
    }
    if (golden.inputShape() == null || golden.outputShape() == null) {
      problems.add("\"input_shape\" and \"output_shape\" are required");
    }
    if (golden.indices() == null || golden.values() == null || golden.indices().length != golden.values().length) {
      problems.add("\"indices\" and \"values\" are required and must have the same length");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Golden file " + path + " is invalid: " + String.join("; ", problems));
    }
    return golden;
  }

  /** The input the golden output was computed on. */
  public Tensor input() {
    Tensor input = PrngInput.tensor(prng.seed(), inputShape);
    if (inputSum != null) {
      double sum = 0;
      for (float v : input.data()) {
        sum += v;
      }
      if (Math.abs(sum - inputSum) > 1e-6 * Math.max(1, Math.abs(inputSum))) {
        throw new IllegalStateException("PrngInput differs from the golden file's generator: input sum " + sum
            + ", golden input_sum " + inputSum + " (seed " + prng.seed() + ")");
      }
    }
    return input;
  }

  /**
   * Compares an output with the golden one. A sampled value agrees within {@code atol + rtol * |golden|};
   * the sums within {@code atol * n + rtol * abs_sum} for {@code n} output values.
   */
  public Comparison compare(Tensor output, double atol, double rtol) {
    List<String> problems = new ArrayList<>();
    if (!Arrays.equals(output.shape(), outputShape)) {
      problems.add("output shape " + Arrays.toString(output.shape()) + ", golden " + Arrays.toString(outputShape));
      return new Comparison(Double.NaN, Double.NaN, Double.NaN, problems);
    }
    double maxError = 0;
    int bad = 0;
    for (int i = 0; i < indices.length; i++) {
      double actual = output.data()[Math.toIntExact(indices[i])];
      double error = Math.abs(actual - values[i]);
      maxError = Math.max(maxError, error);
      if (!(error <= atol + rtol * Math.abs(values[i]))) {
        if (bad++ < 3) {
          problems.add("value at flat index " + indices[i] + " is " + actual + ", golden " + values[i]);
        }
      }
    }
    if (bad > 3) {
      problems.add((bad - 3) + " more sampled values differ");
    }
    double actualSum = 0;
    double actualAbsSum = 0;
    for (float v : output.data()) {
      actualSum += v;
      actualAbsSum += Math.abs(v);
    }
    double sumTolerance = atol * output.data().length + rtol * absSum;
    double sumError = Math.abs(actualSum - sum);
    double absSumError = Math.abs(actualAbsSum - absSum);
    if (!(sumError <= sumTolerance)) {
      problems.add("sum is " + actualSum + ", golden " + sum);
    }
    if (!(absSumError <= sumTolerance)) {
      problems.add("sum of absolute values is " + actualAbsSum + ", golden " + absSum);
    }
    return new Comparison(maxError, sumError, absSumError, problems);
  }
}
