package io.spinestream.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArrivalOrderTest {
  @Test
  void shouldGiveNeighboursOnlyToSlicesWithBothAndNoGapBetween() {
    ArrivalOrder order = new ArrivalOrder();
    assertThat(order.add("a", 0.0)).containsExactly("a");
    assertThat(order.add("c", 2.0)).containsExactly("c", "a");
    assertThat(order.likelyNeighbours("a")).as("an edge so far").isNull();
    assertThat(order.add("b", 1.0)).containsExactly("b", "a", "c");
    assertThat(order.likelyNeighbours("b")).isEqualTo(new ArrivalOrder.Neighbours("a", "c"));
    order.add("e", 4.0);
    assertThat(order.likelyNeighbours("c")).as("d (z 3) is missing: a gap of two slices").isNull();
    assertThat(order.add("d", 3.0)).containsExactly("d", "c", "e");
    assertThat(order.likelyNeighbours("c")).isEqualTo(new ArrivalOrder.Neighbours("b", "d"));
  }

  @Test
  void shouldOrderEqualPositionsBySopAsTheManifestDoesAndIgnoreRepeats() {
    ArrivalOrder order = new ArrivalOrder();
    order.add("1.9", 5.0);
    order.add("1.10", 5.0);
    order.add("x", 4.0);
    assertThat(order.add("1.9", 5.0)).as("a duplicate").isEmpty();
    assertThat(order.add("nan", Double.NaN)).isEmpty();
    // "1.10" < "1.9" as strings: the order is x (4), 1.10 (5), 1.9 (5); the zero gap does not count.
    assertThat(order.likelyNeighbours("1.10")).isEqualTo(new ArrivalOrder.Neighbours("x", "1.9"));
    assertThat(order.size()).isEqualTo(3);
  }
}
