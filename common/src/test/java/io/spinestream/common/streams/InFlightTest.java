package io.spinestream.common.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightTest {
  @Test
  void shouldGiveBackFinishedWorkInSubmissionOrderStoppingAtTheFirstUnfinished() {
    InFlight<String, Integer> inFlight = new InFlight<>(new InFlightBudget(3));
    CompletableFuture<Integer> a = new CompletableFuture<>();
    CompletableFuture<Integer> b = new CompletableFuture<>();
    CompletableFuture<Integer> c = new CompletableFuture<>();
    for (int i = 0; i < 3; i++) {
      assertThat(inFlight.tryReserve()).isTrue();
    }
    inFlight.add("a", a);
    inFlight.add("b", b);
    inFlight.add("c", c);

    b.complete(2);
    assertThat(inFlight.harvest()).as("a is still running").isEmpty();
    a.complete(1);
    assertThat(inFlight.harvest()).containsExactly(new InFlight.Done<>("a", 1), new InFlight.Done<>("b", 2));
    assertThat(inFlight.size()).isEqualTo(1);
    c.complete(3);
    assertThat(inFlight.harvest()).containsExactly(new InFlight.Done<>("c", 3));
    assertThat(inFlight.isEmpty()).isTrue();
  }

  @Test
  void shouldTurnAFailedForwardIntoRetryLaterAndDropWhatIsInFlight() {
    InFlightBudget budget = new InFlightBudget(2);
    InFlight<String, Integer> inFlight = new InFlight<>(budget);
    inFlight.tryReserve();
    inFlight.add("a", CompletableFuture.failedFuture(new IllegalStateException("native error")));
    inFlight.tryReserve();
    inFlight.add("b", CompletableFuture.completedFuture(2));
    assertThatThrownBy(inFlight::harvest).isInstanceOf(RetryLaterException.class)
        .hasMessageContaining("native error").hasCauseInstanceOf(IllegalStateException.class);
    assertThat(inFlight.isEmpty()).isTrue();
    assertThat(budget.used()).as("the room of what was dropped is given back").isZero();
  }

  @Test
  void shouldShareOneBudgetBetweenTasksAndGiveRoomBackOnHarvest() {
    InFlightBudget budget = new InFlightBudget(3);
    InFlight<String, Integer> first = new InFlight<>(budget);
    InFlight<String, Integer> second = new InFlight<>(budget);
    assertThat(first.tryReserve()).isTrue();
    first.add("a", CompletableFuture.completedFuture(1));
    assertThat(first.tryReserve()).isTrue();
    first.add("b", new CompletableFuture<>());
    assertThat(second.tryReserve()).isTrue();
    assertThat(second.tryReserve()).as("the service's budget is spent").isFalse();
    second.clear();
    assertThat(budget.used()).as("a reservation dropped by clear() is given back").isEqualTo(2);
    assertThat(first.harvest()).hasSize(1);
    assertThat(budget.used()).isEqualTo(1);
    assertThat(second.tryReserve()).isTrue();
  }
}
