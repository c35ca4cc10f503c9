package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrngInputTest {
  @Test
  void shouldProduceXorshift32ValuesAsPythonDoes() {
    // Values printed by spinestream_models.export.prng_values(1, 4) (models/, which export_tiny_models.py and
    // bench_torch.py import) with /usr/bin/python3; 270369 is xorshift32's
    // first state from seed 1, and 270369 >>> 8 = 1056.
    assertThat(PrngInput.values(1, 4)).containsExactly(1056 / 16_777_216f, 0.015747427940368652f,
        0.6164040565490723f, 0.07161861658096313f);
  }

  @Test
  void shouldMatchPythonFarIntoTheStream() {
    float[] values = PrngInput.values(PrngInput.DEFAULT_SEED, 100_000);
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    assertThat(values[99_999]).isEqualTo(0.17874151468276978f);
    assertThat(sum).isEqualTo(50003.679889678955);
  }

  @Test
  void shouldMakeTheFirstItemOfABatchEqualToTheBatchOfOne() {
    Tensor batch = PrngInput.tensor(7, 4, 3, 2, 2);
    assertThat(batch.unstack().get(0)).isEqualTo(PrngInput.tensor(7, 1, 3, 2, 2).unstack().get(0));
  }

  @Test
  void shouldRefuseSeedsOutsideUnsigned32Bits() {
    assertThatThrownBy(() -> PrngInput.values(0, 1)).hasMessageContaining("non-zero");
    assertThatThrownBy(() -> PrngInput.values(1L << 32, 1)).hasMessageContaining("32-bit");
  }
}
