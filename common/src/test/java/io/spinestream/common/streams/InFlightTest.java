package io.spinestream.common.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightTest {
  @Test
  void shouldGiveBackFinishedWorkInSubmissionOrderStoppingAtTheFirstUnfinished() {
    InFlight<String, Integer> inFlight = new InFlight<>();
    CompletableFuture<Integer> a = new CompletableFuture<>();
    CompletableFuture<Integer> b = new CompletableFuture<>();
    CompletableFuture<Integer> c = new CompletableFuture<>();
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
    InFlight<String, Integer> inFlight = new InFlight<>();
    inFlight.add("a", CompletableFuture.failedFuture(new IllegalStateException("native error")));
    inFlight.add("b", CompletableFuture.completedFuture(2));
    assertThatThrownBy(inFlight::harvest).isInstanceOf(RetryLaterException.class)
        .hasMessageContaining("native error").hasCauseInstanceOf(IllegalStateException.class);
    assertThat(inFlight.isEmpty()).isTrue();
  }
}
