package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DecodeBudgetTest {
  @Test
  void shouldMakeAFileWaitUntilTheFilesBeingDecodedLeaveRoom() throws Exception {
    DecodeBudget budget = new DecodeBudget(100 * 1024);
    int first = budget.acquire(60 * 1024);

    CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> budget.acquire(60 * 1024));
    while (!budget.hasWaiters()) {
      Thread.sleep(5); // until the second reader is parked on the budget
    }
    assertThat(second).as("60 + 60 KiB do not fit 100 KiB").isNotDone();

    budget.release(first);
    assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(60);
    assertThat(budget.availableKib()).isEqualTo(40);
  }

  @Test
  void shouldLetAFileLargerThanTheBudgetTakeAllOfItRatherThanWaitForever() {
    DecodeBudget budget = new DecodeBudget(100 * 1024);

    int held = budget.acquire(5L * 1024 * 1024 * 1024);

    assertThat(held).isEqualTo(100);
    assertThat(budget.availableKib()).isZero();
    budget.release(held);
    assertThat(budget.availableKib()).isEqualTo(100);
  }

  @Test
  void shouldRefuseABudgetSmallerThanTheLargestFile() {
    assertThatThrownBy(() -> new DicomLimits(64L << 20, 1024, 1024, 32L << 20))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least the largest file");
  }
}
