package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class GoldenCheckTest {
  private static final Logger LOG = LoggerFactory.getLogger(GoldenCheckTest.class);

  @Test
  void shouldAgreeWithTheGoldenFilesOfTheTinyModels() {
    for (String name : new String[] {TinyModels.SEG, TinyModels.CLS}) {
      GoldenFile.Comparison comparison = GoldenCheck.verify(TinyModels.dir(), name);
      LOG.info("golden {}: max sampled error {}, sum error {}", name, comparison.maxSampleError(),
          comparison.sumError());
      assertThat(comparison.maxSampleError()).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void shouldReportAnOutputThatDiffersFromTheGoldenOne() {
    GoldenFile golden = GoldenFile.read(TinyModels.dir().resolve(TinyModels.SEG + ".golden.json"));
    float[] data = new float[Math.toIntExact(Tensor.size(golden.outputShape()))];
    for (int i = 0; i < golden.indices().length; i++) {
      data[Math.toIntExact(golden.indices()[i])] = (float) golden.values()[i];
    }
    data[Math.toIntExact(golden.indices()[5])] += 0.01f;
    GoldenFile.Comparison comparison = golden.compare(new Tensor(data, golden.outputShape()), 1e-5, 1e-4);
    assertThat(comparison.agrees()).isFalse();
    assertThat(comparison.problems().get(0)).startsWith("value at flat index " + golden.indices()[5] + " is ");
    assertThat(comparison.problems()).anyMatch(p -> p.startsWith("sum is "));
  }

  @Test
  void shouldReportAWrongOutputShape() {
    GoldenFile golden = GoldenFile.read(TinyModels.dir().resolve(TinyModels.CLS + ".golden.json"));
    GoldenFile.Comparison comparison = golden.compare(Tensor.zeros(2, 1), 1e-5, 1e-4);
    assertThat(comparison.problems()).containsExactly("output shape [2, 1], golden "
        + Arrays.toString(golden.outputShape()));
  }
}
