package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void shouldStackItemsAlongANewFirstDimensionAndSplitThemBack() {
    Tensor a = new Tensor(new float[] {1, 2, 3, 4}, new long[] {2, 2});
    Tensor b = new Tensor(new float[] {5, 6, 7, 8}, new long[] {2, 2});
    Tensor stacked = Tensor.stack(List.of(a, b));
    assertThat(stacked.shape()).containsExactly(2, 2, 2);
    assertThat(stacked.data()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(stacked.unstack()).containsExactly(a, b);
  }

  @Test
  void shouldRefuseDataThatDoesNotFillTheShape() {
    assertThatThrownBy(() -> new Tensor(new float[3], new long[] {2, 2})).hasMessageContaining("holds 4 values");
  }

  @Test
  void shouldRefuseStackingDifferentShapes() {
    assertThatThrownBy(() -> Tensor.stack(List.of(Tensor.zeros(2, 2), Tensor.zeros(4))))
        .hasMessageContaining("cannot stack");
  }
}
